#if canImport(Glibc)
    import Glibc
#endif

/// Flushes stdout (and every other C stream) so a reader of a pipe sees a line at once.
package func fflushStdout() {
    fflush(nil)
}
