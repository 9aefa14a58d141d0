/*
 * Preloaded into Debian 12's User-Mode Linux (6.1) by lab.sh, so that it boots on hosts whose
 * CPUs have AVX-512 or AMX.
 *
 * UML saves and restores its processes' FPU state with PTRACE_GETREGSET/SETREGSET(NT_X86_XSTATE)
 * through a buffer sized for x87+SSE+AVX (832 bytes). The host kernel accepts SETREGSET only with
 * a buffer of its full XSAVE size (11008 bytes with AMX) and answers EFAULT otherwise: UML then
 * panics at its first process ("ptrace set fp regs failed, errno = 14"). Newer UML kernels size
 * the buffer from the host; this shim does it for 6.1:
 *   GETREGSET: read the full state, hand UML the part it asked for;
 *   SETREGSET: read the traced process's full state, lay UML's part over it, and write it whole.
 * Components UML does not know (AVX-512, AMX, PKRU) keep the traced process's own values, which
 * is exact for single-threaded guest processes. Threads of one guest process share a host process
 * and would see each other's AVX-512 registers, so the lab also tells glibc not to use AVX-512 in
 * the guest (GLIBC_TUNABLES in init.sh).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The XSAVE header follows the 512-byte legacy area; its first field is XSTATE_BV. */
#define XSAVE_HEADER 512
#define XSAVE_AVX_END 832
#define XFEATURES_LEGACY 0x3ULL /* x87, SSE */
#define XFEATURE_AVX 0x4ULL

typedef long (*ptrace_function)(enum __ptrace_request, ...);

long ptrace(enum __ptrace_request request, ...) {
    static ptrace_function real;
    va_list arguments;
    va_start(arguments, request);
    pid_t pid = va_arg(arguments, pid_t);
    void *address = va_arg(arguments, void *);
    void *data = va_arg(arguments, void *);
    va_end(arguments);
    if (!real) real = (ptrace_function)dlsym(RTLD_NEXT, "ptrace");

    if ((request != PTRACE_GETREGSET && request != PTRACE_SETREGSET) || (uintptr_t)address != NT_X86_XSTATE)
        return real(request, pid, address, data);

    static __thread unsigned char full[65536] __attribute__((aligned(64)));
    struct iovec *theirs = data;
    struct iovec whole = { full, sizeof full };
    long result = real(PTRACE_GETREGSET, pid, address, &whole);
    if (result < 0) return result;
    size_t part = theirs->iov_len < whole.iov_len ? theirs->iov_len : whole.iov_len;

    if (request == PTRACE_GETREGSET) {
        memcpy(theirs->iov_base, full, part);
        theirs->iov_len = part;
        return 0;
    }
    if (part < XSAVE_HEADER + sizeof(uint64_t)) return real(request, pid, address, data);
    uint64_t current, given;
    memcpy(&current, full + XSAVE_HEADER, sizeof current);
    memcpy(&given, (unsigned char *)theirs->iov_base + XSAVE_HEADER, sizeof given);
    memcpy(full, theirs->iov_base, part);
    uint64_t covered = XFEATURES_LEGACY | (part >= XSAVE_AVX_END ? XFEATURE_AVX : 0);
    uint64_t features = (given & covered) | (current & ~covered);
    memcpy(full + XSAVE_HEADER, &features, sizeof features);
    return real(PTRACE_SETREGSET, pid, address, &whole);
}
