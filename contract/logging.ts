/**
 * pino redaction shared by both services: credentials and session bytes never reach a log line,
 * wherever they appear in a logged object.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.authorization",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.apiHash",
  "*.api_hash",
  "*.authKey",
  "*.auth_key",
  "*.session_data",
  "*.sessionString",
  "*.secret",
  "*.apiToken",
];

export const loggerRedaction = { paths: REDACT_PATHS, censor: "[redacted]" } as const;
