// Notifications: message building per channel kind, rate limiting, and the exactly-once notifier.
export { createNotifier, type DispatchResult, type Notifier, type NotifierOptions } from './notifier.js';
export { noticeOf, type MessageOptions } from './message.js';
