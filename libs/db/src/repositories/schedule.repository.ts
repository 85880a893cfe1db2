import type { DataSource } from 'typeorm';

/** Tenant-scoped schedule CRUD, versions (change history) and the occurrence log, for the API. */
export class ScheduleRepository {
  constructor(private readonly db: DataSource) {}
}
