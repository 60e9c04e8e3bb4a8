internal import CLibdeflate

/// zlib-format compression of checkpoint bytes for the changelog (libdeflate, fast level).
package enum ChangelogCompression {
    /// libdeflate level 1: the states are mostly hash-table slots, which compress little at
    /// any level; speed matters more (the publish runs after every checkpoint).
    package static let level: Int32 = 1

    package static func compress(_ bytes: [UInt8]) throws(DaemonError) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw DaemonError(.checkpoint, "libdeflate_alloc_compressor failed")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, bytes.count)
        var out = [UInt8](repeating: 0, count: bound)
        // libdeflate reads `bytes.count` bytes and writes at most `bound`; no pointer escapes.
        let written = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                libdeflate_zlib_compress(compressor, input.baseAddress, input.count, output.baseAddress, output.count)
            }
        }
        guard written > 0 else { throw DaemonError(.checkpoint, "zlib compression of \(bytes.count) bytes failed") }
        out.removeSubrange(written...)
        return out
    }

    /// Inflates `bytes`, which must decompress to exactly `length` bytes.
    package static func decompress(_ bytes: [UInt8], length: Int, source: String) throws(DaemonError) -> [UInt8] {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw DaemonError(.checkpoint, "libdeflate_alloc_decompressor failed")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        // Nothing is allocated from a length DEFLATE could not produce from these bytes.
        guard length >= 0, length <= ChangelogManifest.maxLength,
            length <= bytes.count * ChangelogManifest.maxInflateRatio + 64
        else {
            throw DaemonError(
                .checkpoint, "changelog state of \(bytes.count) compressed bytes cannot inflate to \(length) bytes",
                source: source)
        }
        var out = [UInt8](repeating: 0, count: length)
        var actual = 0
        // libdeflate writes at most `length` bytes into `out`; no pointer escapes.
        let result = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                libdeflate_zlib_decompress(
                    decompressor, input.baseAddress, input.count, output.baseAddress, output.count, &actual)
            }
        }
        guard result == LIBDEFLATE_SUCCESS, actual == length else {
            throw DaemonError(
                .checkpoint,
                "changelog state does not inflate to its \(length) bytes (libdeflate result \(result.rawValue))",
                source: source)
        }
        return out
    }
}
