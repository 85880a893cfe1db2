import { IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { CommonEnv, toCommonConfig } from '@hourglass/platform';

export class ApiGatewayEnv extends CommonEnv {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsString()
  @MinLength(16)
  HOURGLASS_ADMIN_TOKEN!: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  HOURGLASS_PUBLIC_URL?: string;
}

export function toApiGatewayConfig(env: ApiGatewayEnv) {
  return {
    ...toCommonConfig(env, 20),
    http: { port: env.PORT ?? 8080, publicUrl: env.HOURGLASS_PUBLIC_URL ?? null },
    auth: { adminToken: env.HOURGLASS_ADMIN_TOKEN, keyCacheTtlMs: 10_000 },
  };
}
export type ApiGatewayConfig = ReturnType<typeof toApiGatewayConfig>;
