import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage } from '@hourglass/db';
import type { AttemptRecord } from './http-client.js';

export interface SmtpSenderOptions {
  /** `smtp://user:pass@host:587` or `smtps://…` (HOURGLASS_SMTP_URL); unset: email notifications fail, retryably. */
  url: string | null;
  from: string;
}

/**
 * The email path of a delivery (docs/decisions/0022): a task whose target is `mailto:<address>`
 * carries the rendered message (subject, text, html) as its JSON body; this sends it over SMTP and
 * answers an AttemptRecord like an HTTP attempt, so retries, backoff and dead-lettering are the
 * task machinery's. The SMTP server is the operator's (configuration), never a customer's address,
 * so the SSRF guard does not apply. A 2xx SMTP reply is stored as its code (250: delivered); a 4xx
 * reply or a connection failure is retryable; a 5xx reply (recipient refused) is permanent.
 */
export class SmtpSender {
  private readonly transport: Transporter | null;

  constructor(private readonly options: SmtpSenderOptions) {
    this.transport = options.url ? nodemailer.createTransport(options.url) : null;
  }

  async send(to: string, body: string | null, timeoutMs: number): Promise<AttemptRecord> {
    const startedAt = new Date();
    const finish = (rest: Pick<AttemptRecord, 'result' | 'statusCode' | 'error'>): AttemptRecord => ({
      ...rest,
      responseHeaders: null,
      responseBody: null,
      responseTruncated: false,
      startedAt,
      finishedAt: new Date(),
      durationMs: Date.now() - startedAt.getTime(),
    });
    if (!this.transport)
      return finish({
        result: { kind: 'error', error: 'connection' },
        statusCode: null,
        error: 'connection: no SMTP server configured (HOURGLASS_SMTP_URL)',
      });
    let message: EmailMessage;
    try {
      message = JSON.parse(body ?? '') as EmailMessage;
    } catch {
      return finish({ result: { kind: 'error', error: 'invalid_url' }, statusCode: null, error: 'invalid email body' });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = (await Promise.race([
        this.transport.sendMail({
          from: this.options.from,
          to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error(`no SMTP reply within ${timeoutMs} ms`), { name: 'TimeoutError' })),
            timeoutMs,
          );
        }),
      ])) as { response?: string };
      const code = Number(/^\d{3}/.exec(info.response ?? '')?.[0] ?? 250);
      return finish({ result: { kind: 'response', statusCode: code }, statusCode: code, error: null });
    } catch (err) {
      const { responseCode, message: text, name } = err as { responseCode?: number; message?: string; name?: string };
      const error = `smtp: ${(text ?? String(err)).slice(0, 500)}`;
      if (name === 'TimeoutError')
        return finish({ result: { kind: 'error', error: 'timeout' }, statusCode: null, error });
      if (responseCode !== undefined && responseCode >= 500)
        return finish({ result: { kind: 'error', error: 'invalid_url' }, statusCode: responseCode, error });
      return finish({ result: { kind: 'error', error: 'connection' }, statusCode: responseCode ?? null, error });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.transport?.close();
  }
}
