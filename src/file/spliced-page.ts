import type { Inode } from './inode.js';

/** PAGE_SIZE. */
const PAGE = 4096;

/**
 * A page-cache page of a regular file that a pipe buffer points at after a splice
 * (sendfile(2) into a pipe): filemap_splice_read() links the page into the pipe, it does
 * not copy it. So a later write to those bytes shows in the pipe; a truncation that drops
 * the page from the cache leaves the pipe the page as it was then; one that cuts into it
 * zeroes its tail, which the pipe shows too (host, Linux 6.18 on tmpfs). Models the page
 * reference of a page-cache pipe_buffer (page_cache_pipe_buf_ops). @internal
 */
export class SplicedPage {
  /** The page's bytes once a truncation dropped it from the cache, else null (still cached). */
  detached: string | null = null;
  /** Pipe buffers pointing at the page (a splice between pipes that splits a buffer makes two). */
  private refs = 1;

  /** @param inode - the file's inode @param index - the page's index in the file */
  constructor(readonly inode: Inode, readonly index: number) {
    (inode.spliced ??= new Set()).add(this);
  }

  /** The `n` bytes at `off` in the page as they are now (the file's bytes while the page is cached: a recorded read). */
  bytes(off: number, n: number): string {
    // Past the end of the file (a truncation cut into the page) the page is zeroes.
    const bytes = this.detached !== null ? this.detached.slice(off, off + n) : this.inode.data.slice(this.index * PAGE + off, this.index * PAGE + off + n);
    return bytes.padEnd(n, '\0');
  }

  /** Another pipe buffer points at the page (pipe_buf_get()). */
  get(): void {
    this.refs++;
  }

  /** A pipe buffer let go of the page; the last one takes it off the file's list. */
  release(): void {
    if (--this.refs === 0) this.inode.spliced?.delete(this);
  }
}

/**
 * A truncation of `inode` from `old` to `newLength` bytes: the pages it drops from the
 * cache (those wholly at or past the new size) keep, for the pipes pointing at them, the
 * bytes they held. @internal
 */
export function detachSplicedPages(inode: Inode, old: string, newLength: number): void {
  for (const sp of inode.spliced ?? []) {
    const start = sp.index * PAGE;
    if (start < newLength) continue;
    sp.detached = old.slice(start, start + PAGE);
    inode.spliced!.delete(sp);
  }
}
