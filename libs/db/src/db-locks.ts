/** Every advisory-lock id the system takes, in one place so two features never collide. */
export const DbLock = {
  Migrate: 7_401_001,
  SchedulerLeader: 7_401_002,
} as const;
export type DbLock = (typeof DbLock)[keyof typeof DbLock];
