import { type ParseArgsConfig, parseArgs } from "node:util";

/**
 * The backup and restore commands' argument handling: strict options, `--help` prints the usage
 * and exits 0, an unknown option or a missing required one prints the reason and the usage and
 * exits 2.
 */
export function parseCommandArgs<
  O extends NonNullable<ParseArgsConfig["options"]>,
  R extends keyof O & string,
>(options: O, usage: string, required: R) {
  let values: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"];
  try {
    values = parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if ((values as Record<string, unknown>).help) {
    console.log(usage);
    process.exit(0);
  }
  if (!(values as Record<string, unknown>)[required]) {
    console.error(`--${required} is required\n${usage}`);
    process.exit(2);
  }
  return values as typeof values & Record<R, string>;
}
