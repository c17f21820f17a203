/** Option parsing shared by the commands: node's parseArgs, with one-line errors of our own. */
import { parseArgs, ParseArgsConfig } from 'util';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed values and positionals, or the one-line reason the arguments are wrong. */
export function parseOptions(command: string, args: string[], options: Options):
{ values: { [name: string]: string | boolean | string[] | boolean[] | undefined }; positionals: string[] } | string {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as any, positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `cdk-enforced-fargate ${command}: unknown option '${name}' (see cdk-enforced-fargate ${command} --help)`;
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      return /argument missing/.test(err.message)
        ? `cdk-enforced-fargate ${command}: option '${name}' needs a value (see --help)`
        : `cdk-enforced-fargate ${command}: option '${name}' takes no value (see --help)`;
    }
    return `cdk-enforced-fargate ${command}: ${err.message.split('\n')[0]}`;
  }
}
