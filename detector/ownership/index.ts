// Partition leases, detector membership and balanced assignment.
export { createOwnership, membersKey, type Ownership, type OwnershipOptions, type PartitionHandler } from './ownership.js';
export { preferenceOrder, quotaOf, releaseOrder } from './assign.js';
