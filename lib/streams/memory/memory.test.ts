// The in-memory adapter against the streams contract suite.
import { runStreamsConformance } from '../conformance.js';
import { createMemoryStreams } from './memory.js';

runStreamsConformance('streams port: in-memory adapter', { open: async () => createMemoryStreams() });
