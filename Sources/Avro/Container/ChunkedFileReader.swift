#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sequential reads from a file through a fixed-size buffer (constant memory whatever the file
/// size), with Avro varint decoding for container headers and block prefixes.
final class ChunkedFileReader {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    /// The read-ahead buffer; bytes `[head, tail)` are unread. Owned; freed in deinit.
    private let buffer: UnsafeMutableRawBufferPointer
    private var head = 0
    private var tail = 0
    /// File offset of `buffer[tail]` (bytes read from the file so far).
    private var filePosition = 0
    /// Total size of the file when opened.
    let fileSize: Int

    init(path: String, chunkSize: Int = 1 << 20) throws(AvroError) {
        guard let file = fopen(path, "rb") else {
            throw AvroError(.io, "cannot open: \(String(cString: strerror(errno)))", source: path)
        }
        var info = stat()
        if fstat(fileno(file), &info) != 0 {
            fclose(file)
            throw AvroError(.io, "cannot stat: \(String(cString: strerror(errno)))", source: path)
        }
        self.path = path
        self.file = file
        self.fileSize = Int(info.st_size)
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit {
        fclose(file)
        buffer.deallocate()
    }

    /// File offset of the next unread byte.
    var position: Int { filePosition - (tail - head) }

    /// Bytes left in the file after the current position.
    var remaining: Int { fileSize - position }

    /// Refills the buffer so that at least `wanted` bytes are buffered if the file has them;
    /// returns the number of buffered bytes.
    @discardableResult
    private func fill(_ wanted: Int) throws(AvroError) -> Int {
        if tail - head >= wanted { return tail - head }
        if head > 0 {
            let count = tail - head
            if count > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + head, byteCount: count) }
            head = 0
            tail = count
        }
        while tail - head < wanted && tail < buffer.count {
            let read = fread(buffer.baseAddress! + tail, 1, buffer.count - tail, file)
            if read == 0 {
                if ferror(file) != 0 { throw AvroError(.io, "read error", offset: position, source: path) }
                break
            }
            tail += read
            filePosition += read
        }
        return tail - head
    }

    /// True when every byte of the file has been consumed.
    func isAtEnd() throws(AvroError) -> Bool {
        try fill(1) == 0
    }

    /// Reads a zig-zag varint.
    func readVarint(_ what: String) throws(AvroError) -> Int64 {
        let start = position
        let available = try fill(10)
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = 0
        while true {
            guard index < available else {
                throw AvroError(.truncated, "\(what) runs past the end of the file", offset: start, source: path)
            }
            let byte = buffer[head + index]
            index += 1
            if index == 10 && byte > 1 {
                throw AvroError(.overlongVarint, "\(what): varint above 64 bits", offset: start, source: path)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        head += index
        return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
    }

    /// Copies the next `count` bytes to `destination` (which must have room for them).
    func read(into destination: UnsafeMutableRawPointer, count: Int, _ what: String) throws(AvroError) {
        let start = position
        var copied = 0
        while copied < count {
            if head == tail && count - copied >= buffer.count / 2 {
                // Large reads bypass the buffer: straight from the file into the destination.
                let read = fread(destination + copied, 1, count - copied, file)
                if read == 0 {
                    if ferror(file) != 0 { throw AvroError(.io, "read error", offset: position, source: path) }
                    throw AvroError(.truncated, "\(what) runs past the end of the file", offset: start, source: path)
                }
                filePosition += read
                copied += read
                continue
            }
            let available = try fill(1)
            guard available > 0 else {
                throw AvroError(.truncated, "\(what) runs past the end of the file", offset: start, source: path)
            }
            let chunk = min(available, count - copied)
            (destination + copied).copyMemory(from: buffer.baseAddress! + head, byteCount: chunk)
            head += chunk
            copied += chunk
        }
    }

    /// Reads `count` bytes into a new array (header fields only; bounded by the caller).
    func readArray(count: Int, _ what: String) throws(AvroError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 {
            try out.withUnsafeMutableBufferPointer { (bytes) throws(AvroError) in
                try read(into: UnsafeMutableRawPointer(bytes.baseAddress!), count: count, what)
            }
        }
        return out
    }
}
