import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'hourglass:public';

/** Opts a controller or route out of the global default-deny auth guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
