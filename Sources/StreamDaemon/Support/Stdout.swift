#if canImport(Glibc)
import Glibc
#endif

/// Flushes stdout so a reader of a pipe sees a line at once (the bootstrap line, progress).
func fflushStdout() {
    fflush(stdout)
}
