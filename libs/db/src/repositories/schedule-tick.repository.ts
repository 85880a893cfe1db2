import type { DataSource } from 'typeorm';

/** The scheduler's queries: claim due schedules, create their occurrences' tasks, advance them. */
export class ScheduleTickRepository {
  constructor(private readonly db: DataSource) {}
}
