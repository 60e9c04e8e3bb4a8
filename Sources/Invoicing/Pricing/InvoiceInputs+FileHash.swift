import Crypto
import Foundation

extension InvoiceInputs.InputFile {
    /// Hashes the file at `path` (streaming, 1 MiB at a time) for a replay's manifest inputs.
    /// Blocking: call off the cooperative pool.
    public init(hashing path: String) throws(InvoicingError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InvoicingError(.io, "cannot open input file", source: path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw InvoicingError(.io, "cannot read input file: \(error)", source: path)
        }
        let hex = hasher.finalize().map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        self.init(path: path, sha256: hex)
    }
}
