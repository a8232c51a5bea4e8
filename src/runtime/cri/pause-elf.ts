/**
 * @module runtime/cri/pause-elf — the pod sandbox ("pause") program as a tiny static ELF
 * executable, assembled here byte by byte so no compiler, package or registry is needed.
 *
 * Behaviour (what a sandbox's PID 1 must do): SIGTERM and SIGINT run a handler that calls
 * exit_group(0) — a PID-namespace init ignores signals whose action is the default, so handlers
 * are required; SIGCHLD is set to SIG_IGN so the kernel reaps adopted children (no zombies when
 * the pod shares its PID namespace); then it waits for signals forever (`pause` on amd64,
 * `ppoll(NULL, 0, NULL, NULL)` on arm64, which has no pause syscall). Handlers are installed with
 * SA_RESTORER and a `rt_sigreturn` trampoline (x86-64 cannot deliver a signal without one).
 *
 * Layout: ELF64 header (64 bytes) + one PT_LOAD program header (56 bytes) mapping the whole file
 * read+execute at 0x400000; code follows at offset 120, then two `struct sigaction` (kernel
 * layout: handler, flags, restorer, mask — 8 bytes each) 8-byte aligned.
 */

/** PauseArch is a supported CPU architecture (OCI names). */
export type PauseArch = 'amd64' | 'arm64';

const BASE = 0x400000;
const HEADERS = 64 + 56;
const SA_RESTORER = 0x04000000;
const SIG_IGN = 1;

interface Item {
  readonly label?: string;
  /** bytes of the instruction; fixups patch them once labels are placed. */
  readonly bytes: number[];
  readonly fix?: { readonly label: string; readonly kind: 'x86rel32' | 'a64adr' | 'a64branch'; readonly at: number };
  readonly comment: string;
}

const le32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** x86-64 program. `call`/`lea` displacements are relative to the end of their instruction. */
function amd64(): Item[] {
  const sigaction = (sig: number, act: string, name: string): Item[] => [
    { bytes: [0xbf, ...le32(sig)], comment: `mov edi, ${sig} (${name})` },
    { bytes: [0x48, 0x8d, 0x35, 0, 0, 0, 0], fix: { label: act, kind: 'x86rel32', at: 3 }, comment: `lea rsi, [rip + ${act}]` },
    { bytes: [0xe8, 0, 0, 0, 0], fix: { label: 'sigaction', kind: 'x86rel32', at: 1 }, comment: 'call sigaction' },
  ];
  return [
    ...sigaction(15, 'act_exit', 'SIGTERM'),
    ...sigaction(2, 'act_exit', 'SIGINT'),
    ...sigaction(17, 'act_ign', 'SIGCHLD'),
    { label: 'loop', bytes: [0xb8, ...le32(34)], comment: 'mov eax, 34 (pause)' },
    { bytes: [0x0f, 0x05], comment: 'syscall' },
    { bytes: [0xeb, 0xf7], comment: 'jmp loop (rel8 -9: back over these 9 bytes)' },
    { label: 'sigaction', bytes: [0xb8, ...le32(13)], comment: 'mov eax, 13 (rt_sigaction; edi = signal, rsi = act)' },
    { bytes: [0x31, 0xd2], comment: 'xor edx, edx (oldact = NULL)' },
    { bytes: [0x41, 0xba, ...le32(8)], comment: 'mov r10d, 8 (sizeof(sigset_t))' },
    { bytes: [0x0f, 0x05], comment: 'syscall' },
    { bytes: [0xc3], comment: 'ret' },
    { label: 'handler', bytes: [0xb8, ...le32(231)], comment: 'mov eax, 231 (exit_group)' },
    { bytes: [0x31, 0xff], comment: 'xor edi, edi (status 0)' },
    { bytes: [0x0f, 0x05], comment: 'syscall' },
    { label: 'restorer', bytes: [0xb8, ...le32(15)], comment: 'mov eax, 15 (rt_sigreturn)' },
    { bytes: [0x0f, 0x05], comment: 'syscall' },
  ];
}

/** AArch64 program (little-endian 32-bit instruction words). */
function arm64(): Item[] {
  const w = (word: number): number[] => le32(word >>> 0);
  const movz = (reg: number, imm: number): number[] => w(0xd2800000 | (imm << 5) | reg);
  const svc = w(0xd4000001);
  const sigaction = (sig: number, act: string, name: string): Item[] => [
    { bytes: movz(0, sig), comment: `movz x0, #${sig} (${name})` },
    { bytes: w(0x10000001), fix: { label: act, kind: 'a64adr', at: 0 }, comment: `adr x1, ${act}` },
    { bytes: w(0x94000000), fix: { label: 'sigaction', kind: 'a64branch', at: 0 }, comment: 'bl sigaction' },
  ];
  return [
    ...sigaction(15, 'act_exit', 'SIGTERM'),
    ...sigaction(2, 'act_exit', 'SIGINT'),
    ...sigaction(17, 'act_ign', 'SIGCHLD'),
    { label: 'loop', bytes: movz(0, 0), comment: 'movz x0, #0 (fds = NULL)' },
    { bytes: movz(1, 0), comment: 'movz x1, #0 (nfds = 0)' },
    { bytes: movz(2, 0), comment: 'movz x2, #0 (timeout = NULL: forever)' },
    { bytes: movz(3, 0), comment: 'movz x3, #0 (sigmask = NULL)' },
    { bytes: movz(4, 0), comment: 'movz x4, #0 (sigsetsize)' },
    { bytes: movz(8, 73), comment: 'movz x8, #73 (ppoll)' },
    { bytes: svc, comment: 'svc #0' },
    { bytes: w(0x14000000), fix: { label: 'loop', kind: 'a64branch', at: 0 }, comment: 'b loop' },
    { label: 'sigaction', bytes: movz(2, 0), comment: 'movz x2, #0 (oldact = NULL; x0 = signal, x1 = act)' },
    { bytes: movz(3, 8), comment: 'movz x3, #8 (sizeof(sigset_t))' },
    { bytes: movz(8, 134), comment: 'movz x8, #134 (rt_sigaction)' },
    { bytes: svc, comment: 'svc #0' },
    { bytes: w(0xd65f03c0), comment: 'ret' },
    { label: 'handler', bytes: movz(0, 0), comment: 'movz x0, #0 (status 0)' },
    { bytes: movz(8, 94), comment: 'movz x8, #94 (exit_group)' },
    { bytes: svc, comment: 'svc #0' },
    { label: 'restorer', bytes: movz(8, 139), comment: 'movz x8, #139 (rt_sigreturn)' },
    { bytes: svc, comment: 'svc #0' },
  ];
}

function u64(n: number): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return [...b];
}

/** assemble places the items after the headers, appends the sigaction structs and resolves fixups. */
function assemble(items: Item[], arch: PauseArch): { code: Buffer; labels: Map<string, number> } {
  const labels = new Map<string, number>();
  let off = HEADERS;
  for (const it of items) {
    if (it.label) labels.set(it.label, BASE + off);
    off += it.bytes.length;
  }
  const pad = (8 - (off % 8)) % 8;
  const padByte = arch === 'amd64' ? 0x90 : 0x00; // nop / zero padding (never executed)
  const dataStart = off + pad;
  labels.set('act_exit', BASE + dataStart);
  labels.set('act_ign', BASE + dataStart + 32);
  const out: number[] = [];
  let pc = BASE + HEADERS;
  for (const it of items) {
    const bytes = [...it.bytes];
    if (it.fix) {
      const target = labels.get(it.fix.label);
      if (target === undefined) throw new Error(`pause-elf: unknown label ${it.fix.label}`);
      if (it.fix.kind === 'x86rel32') {
        const rel = target - (pc + bytes.length);
        bytes.splice(it.fix.at, 4, ...le32(rel));
      } else {
        const word = Buffer.from(bytes).readUInt32LE(0);
        const rel = target - pc;
        const patched = it.fix.kind === 'a64branch'
          ? word | ((rel >> 2) & 0x3ffffff)
          : word | ((rel & 3) << 29) | (((rel >> 2) & 0x7ffff) << 5);
        bytes.splice(0, 4, ...le32(patched >>> 0));
      }
    }
    out.push(...bytes);
    pc += bytes.length;
  }
  for (let i = 0; i < pad; i++) out.push(padByte);
  const handler = labels.get('handler') as number;
  const restorer = labels.get('restorer') as number;
  out.push(...u64(handler), ...u64(SA_RESTORER), ...u64(restorer), ...u64(0)); // act_exit: run handler
  out.push(...u64(SIG_IGN), ...u64(SA_RESTORER), ...u64(restorer), ...u64(0)); // act_ign: SIG_IGN (auto-reap)
  return { code: Buffer.from(out), labels };
}

/** pauseElf returns the static pause executable for `arch`. */
export function pauseElf(arch: PauseArch = 'amd64'): Buffer {
  const { code } = assemble(arch === 'amd64' ? amd64() : arm64(), arch);
  const total = HEADERS + code.length;
  const h = Buffer.alloc(HEADERS);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // "\x7fELF", 64-bit, little-endian, version 1, System V ABI
  h.writeUInt16LE(2, 16); // e_type: ET_EXEC
  h.writeUInt16LE(arch === 'amd64' ? 0x3e : 0xb7, 18); // e_machine: EM_X86_64 / EM_AARCH64
  h.writeUInt32LE(1, 20); // e_version
  h.writeBigUInt64LE(BigInt(BASE + HEADERS), 24); // e_entry: first instruction
  h.writeBigUInt64LE(64n, 32); // e_phoff: program headers right after this header
  h.writeBigUInt64LE(0n, 40); // e_shoff: no section headers
  h.writeUInt32LE(0, 48); // e_flags
  h.writeUInt16LE(64, 52); // e_ehsize
  h.writeUInt16LE(56, 54); // e_phentsize
  h.writeUInt16LE(1, 56); // e_phnum
  h.writeUInt16LE(64, 58); // e_shentsize
  h.writeUInt16LE(0, 60); // e_shnum
  h.writeUInt16LE(0, 62); // e_shstrndx
  h.writeUInt32LE(1, 64); // p_type: PT_LOAD
  h.writeUInt32LE(5, 68); // p_flags: PF_R | PF_X
  h.writeBigUInt64LE(0n, 72); // p_offset: map from the file start
  h.writeBigUInt64LE(BigInt(BASE), 80); // p_vaddr
  h.writeBigUInt64LE(BigInt(BASE), 88); // p_paddr
  h.writeBigUInt64LE(BigInt(total), 96); // p_filesz
  h.writeBigUInt64LE(BigInt(total), 104); // p_memsz
  h.writeBigUInt64LE(0x10000n, 112); // p_align: 64 KiB (fits 4K and 64K page kernels)
  return Buffer.concat([h, code]);
}

/** pauseListing returns the annotated instruction listing (address, bytes, meaning) for `arch`, for review and tests. */
export function pauseListing(arch: PauseArch = 'amd64'): string[] {
  const items = arch === 'amd64' ? amd64() : arm64();
  const elf = pauseElf(arch);
  const lines: string[] = [];
  let off = HEADERS;
  for (const it of items) {
    const hex = [...elf.subarray(off, off + it.bytes.length)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${(BASE + off).toString(16)}: ${hex.padEnd(22)} ${it.label ? `${it.label}: ` : ''}${it.comment}`);
    off += it.bytes.length;
  }
  return lines;
}
