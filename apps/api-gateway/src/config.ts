import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
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

  /** `k2:<base64>,k1:<base64>`: the first key seals, every key opens. */
  @Matches(/^\s*[\w-]+:[A-Za-z0-9+/]+={0,2}\s*(,\s*[\w-]+:[A-Za-z0-9+/]+={0,2}\s*)*$/, {
    message: 'must be <id>:<base64 of 32 bytes>[,...]',
  })
  ENCRYPTION_KEYS!: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  HOURGLASS_PUBLIC_URL?: string;
}

export function toApiGatewayConfig(env: ApiGatewayEnv) {
  return {
    ...toCommonConfig(env, 20),
    http: { port: env.PORT ?? 8080, publicUrl: env.HOURGLASS_PUBLIC_URL ?? null },
    auth: { adminToken: env.HOURGLASS_ADMIN_TOKEN, keyCacheTtlMs: 10_000 },
    encryptionKeys: env.ENCRYPTION_KEYS,
  };
}
export type ApiGatewayConfig = ReturnType<typeof toApiGatewayConfig>;
