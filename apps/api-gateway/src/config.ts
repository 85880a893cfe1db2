import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
import { parseAllowList } from '@hourglass/domain';
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

  /**
   * CIDR ranges opened for targets outside local mode, e.g. "10.0.0.0/8,192.168.1.0/24" (as for the
   * dispatcher): URLs naming an address in them, or `localhost` once loopback is opened, may be created.
   */
  @IsOptional()
  @IsString()
  HOURGLASS_ALLOW_PRIVATE_TARGETS?: string;
}

/** Local mode opens every range; otherwise only those HOURGLASS_ALLOW_PRIVATE_TARGETS names. */
function privateTargetsFrom(localMode: boolean, value: string | undefined): readonly string[] | 'all' {
  if (localMode) return 'all';
  try {
    return parseAllowList(value);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  HOURGLASS_ALLOW_PRIVATE_TARGETS: ${(error as Error).message}`);
  }
}

export function toApiGatewayConfig(env: ApiGatewayEnv) {
  const common = toCommonConfig(env, 20);
  return {
    ...common,
    /** Create-time refusal of private targets (the dispatcher's connect-time guard stays the authority). */
    privateTargets: privateTargetsFrom(common.localMode, env.HOURGLASS_ALLOW_PRIVATE_TARGETS),
    http: { port: env.PORT ?? 8080, publicUrl: env.HOURGLASS_PUBLIC_URL ?? null },
    auth: { adminToken: env.HOURGLASS_ADMIN_TOKEN, keyCacheTtlMs: 10_000 },
    encryptionKeys: env.ENCRYPTION_KEYS,
  };
}
export type ApiGatewayConfig = ReturnType<typeof toApiGatewayConfig>;
