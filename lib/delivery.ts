import * as path from 'path';
import { Token } from 'aws-cdk-lib';

/**
 * Options of `EnforcerDelivery.taskVolumeCopy()`.
 */
export interface TaskVolumeCopyOptions {
  /**
   * The whole argv of the init container that copies the enforcer files into the task volume
   * mounted at `mountPath`. It is set as the init container's `entryPoint` (with no `command`),
   * so that it runs exactly as written whatever the enforcer image's own ENTRYPOINT/CMD are.
   *
   * For example Datadog's `['/cws-instrumentation', 'setup', '--cws-volume-mount', '/cws-instrumentation-volume']`.
   */
  readonly copyCommand: string[];

  /**
   * Where the task volume is mounted, in the init container (read-write) and in every protected
   * container (read-only). The enforcer binary must be inside it.
   *
   * @default - the directory of the enforcer's `binaryPath`
   */
  readonly mountPath?: string;

  /**
   * The name of the task volume (a bind mount with no host path: an empty directory the task's
   * containers share).
   *
   * @default 'enforcer-files'
   */
  readonly volumeName?: string;

  /**
   * The user the init container runs as (`user` of its container definition), for an enforcer image
   * whose default user may not write into the root-owned task volume.
   *
   * @default - the enforcer image's own user
   */
  readonly copyUser?: string;
}

/**
 * Options of `EnforcerDelivery.builtIn()`.
 */
export interface BuiltInOptions {
  /**
   * The directory of the enforcer image that holds the enforcer's files. The derived image copies
   * it to the same path. The enforcer binary must be inside it.
   *
   * @default - the directory of the enforcer's `binaryPath`
   */
  readonly sourceDirectory?: string;
}

/** The delivery modes, as written in the `cdk-enforced-fargate.delivery` label. */
const VOLUMES_FROM = 'volumes-from';
const TASK_VOLUME = 'task-volume';
const BUILT_IN = 'built-in';

const VOLUME_NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * How the enforcer's files reach the protected containers.
 *
 * - `volumesFrom()` (the default): a non-essential sidecar whose image declares a `VOLUME` holding
 *   the files; protected containers mount it with `volumesFrom`, read-only.
 * - `taskVolumeCopy()`: a non-essential init container copies the files into a task volume;
 *   protected containers mount the volume read-only and wait until the copy has finished
 *   (`COMPLETE` or `SUCCESS`). For enforcer images without a usable `VOLUME`.
 * - `builtIn()`: no sidecar. At synthesis each protected container's image is replaced by a Docker
 *   image asset built `FROM` it with the enforcer's files copied in and the entry point rewritten;
 *   the derived image starts the same argv as the original, under the enforcer, anywhere.
 */
export class EnforcerDelivery {
  /** A sidecar whose image `VOLUME` holds the enforcer; protected containers use `volumesFrom`. */
  public static volumesFrom(): EnforcerDelivery {
    return new EnforcerDelivery(VOLUMES_FROM, {});
  }

  /** A non-essential init container copies the enforcer files into a task volume. */
  public static taskVolumeCopy(options: TaskVolumeCopyOptions): EnforcerDelivery {
    const where = 'EnforcerDelivery.taskVolumeCopy';
    if (!options || !Array.isArray(options.copyCommand) || options.copyCommand.length === 0) {
      throw new Error(`${where}: 'copyCommand' is required: the argv of the init container that copies the enforcer files into the task volume (e.g. ['/cws-instrumentation', 'setup', '--cws-volume-mount', '/cws-instrumentation-volume'])`);
    }
    if (options.mountPath !== undefined) checkDirectory(options.mountPath, `${where}: 'mountPath'`);
    const volumeName = options.volumeName ?? 'enforcer-files';
    if (!Token.isUnresolved(volumeName) && !VOLUME_NAME_PATTERN.test(volumeName)) {
      throw new Error(`${where}: 'volumeName' must be 1-255 letters, digits, hyphens and underscores, got ${JSON.stringify(volumeName)}`);
    }
    return new EnforcerDelivery(TASK_VOLUME, {
      copyCommand: [...options.copyCommand],
      mountPath: options.mountPath,
      volumeName,
      copyUser: options.copyUser,
    });
  }

  /** The enforcer built into a Docker image asset derived from each protected container's image. */
  public static builtIn(options: BuiltInOptions = {}): EnforcerDelivery {
    if (options.sourceDirectory !== undefined) checkDirectory(options.sourceDirectory, "EnforcerDelivery.builtIn: 'sourceDirectory'");
    return new EnforcerDelivery(BUILT_IN, { sourceDirectory: options.sourceDirectory });
  }

  /**
   * The mode, as written in the `cdk-enforced-fargate.delivery` label:
   * `volumes-from`, `task-volume` or `built-in`.
   */
  public readonly mode: string;

  /**
   * The init container's argv (task-volume copy only).
   * @default - none (other modes)
   */
  public readonly copyCommand?: string[];

  /**
   * The task volume's name (task-volume copy only).
   * @default - none (other modes)
   */
  public readonly volumeName?: string;

  /**
   * The init container's user (task-volume copy only).
   * @default - the enforcer image's user
   */
  public readonly copyUser?: string;

  private readonly mountPathOption?: string;
  private readonly sourceDirectoryOption?: string;

  private constructor(mode: string, options: {
    copyCommand?: string[]; mountPath?: string; volumeName?: string; copyUser?: string; sourceDirectory?: string;
  }) {
    this.mode = mode;
    this.copyCommand = options.copyCommand;
    this.volumeName = options.volumeName;
    this.copyUser = options.copyUser;
    this.mountPathOption = options.mountPath;
    this.sourceDirectoryOption = options.sourceDirectory;
  }

  /** Whether a sidecar delivers the files with `volumesFrom`. */
  public get isVolumesFrom(): boolean { return this.mode === VOLUMES_FROM; }
  /** Whether an init container copies the files into a task volume. */
  public get isTaskVolumeCopy(): boolean { return this.mode === TASK_VOLUME; }
  /** Whether the files are built into a derived image. */
  public get isBuiltIn(): boolean { return this.mode === BUILT_IN; }

  /**
   * The directory that holds the enforcer files for `binaryPath`: the task volume's mount path,
   * the built-in source directory, or the `VOLUME` (the binary's directory). Throws when the binary
   * is not inside it.
   */
  public filesDirectory(binaryPath: string): string {
    const explicit = this.isTaskVolumeCopy ? this.mountPathOption : this.isBuiltIn ? this.sourceDirectoryOption : undefined;
    const directory = explicit ?? path.posix.dirname(binaryPath);
    if (!Token.isUnresolved(directory) && !Token.isUnresolved(binaryPath) && !binaryPath.startsWith(directory.replace(/\/$/, '') + '/')) {
      const option = this.isTaskVolumeCopy ? 'mountPath' : 'sourceDirectory';
      throw new Error(`Enforcer: 'binaryPath' ${JSON.stringify(binaryPath)} is not inside the ${this.mode} delivery's ${option} ${JSON.stringify(directory)}; give a ${option} that contains the binary`);
    }
    return directory.replace(/\/$/, '') || '/';
  }
}

function checkDirectory(value: string, where: string): void {
  if (Token.isUnresolved(value)) return;
  if (!path.posix.isAbsolute(value) || path.posix.normalize(value) === '/') {
    throw new Error(`${where} must be an absolute directory other than '/', got ${JSON.stringify(value)}`);
  }
}
