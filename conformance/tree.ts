import { Kernel } from '../src/index.js';

/**
 * The model's default file tree as the runner's tree spec: `d:path` for a directory,
 * `f:path:hex` for a file with its contents, separated by `;`. Read off a fresh Kernel so
 * the scratch root always mirrors what the model starts with.
 */
export function treeSpec(): string {
  const k = new Kernel();
  const out: string[] = [];
  const walk = (path: string): void => {
    const { inode } = k.vfs.lookup(path);
    if (inode.kind === 'dir') {
      if (path !== '/') out.push(`d:${path.slice(1)}`);
      for (const e of inode.entries) walk(path === '/' ? `/${e}` : `${path}/${e}`);
    } else {
      out.push(`f:${path.slice(1)}:${Buffer.from(inode.data, 'latin1').toString('hex')}`);
    }
  };
  walk('/');
  return out.join(';');
}
