// TypeDoc plugin: groups the API reference by what a user does with it, from the folder an
// export is declared in (src/<layer>/), so a new file is categorised without anyone
// remembering a tag. An explicit `@category` in the TSDoc wins. Kernel-path building blocks
// (step helpers, access encodings, lookups as steps) are "Extending: kernel paths" wherever
// they live, so the composing classes are not lost among them.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

const BY_FOLDER = [
  ['src/kernel/', 'Kernel and policies'],
  ['src/task/', 'Processes and system calls'],
  ['src/fdtable/', 'Fd tables'],
  ['src/file/', 'Files'],
  ['src/epoll/', 'Epoll'],
  ['src/unix/', 'AF_UNIX and the garbage collector'],
  ['src/explore/', 'Exploration'],
  ['src/trace/', 'Pictures and traces'],
  ['src/sim/', 'Engine'],
  ['src/scenarios/', 'Scenarios'],
  ['src/testing/', 'Testing'],
  ['src/plugins/', 'Plugin'],
];

/** Names whose job is to build kernel paths (steps), not to compose a simulation. */
const EXTENDING = /(^access|Access(es)?$|Steps$|Step$|^dynamicStep$|^slot|^fdWord|^FDPUT_|^EMPTY_FD$|^syscallSteps$|^plainSyscall$|^pollWait$|^check[A-Z]|^describeValue$|^flagsWithin$|^hasOwnKey$)/;

export const CATEGORY_ORDER = [
  'Kernel and policies', 'Processes and system calls', 'Files', 'Fd tables', 'Epoll', 'AF_UNIX and the garbage collector',
  'Exploration', 'Pictures and traces', 'Scenarios', 'Testing', 'Plugin', 'Engine', 'Extending: kernel paths', '*',
];

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, refl) => {
    // Only module members: a class's methods keep their own grouping.
    if (refl.parent === undefined || !refl.parent.kindOf(ReflectionKind.Module | ReflectionKind.Project)) return;
    const sym = context.getSymbolFromReflection(refl);
    const target = sym !== undefined && sym.flags & 2097152 /* ts.SymbolFlags.Alias */ ? context.checker.getAliasedSymbol(sym) : sym;
    const decl = target?.declarations?.[0];
    const file = decl?.getSourceFile().fileName.replace(/\\/g, '/') ?? '';
    const comment = (refl.comment ??= new Comment());
    if (comment.blockTags.some((t) => t.tag === '@category')) return;
    const folder = BY_FOLDER.find(([f]) => file.includes(f))?.[1];
    const category = EXTENDING.test(refl.name) ? 'Extending: kernel paths' : folder;
    if (category !== undefined) comment.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: category }]));
  });
}
