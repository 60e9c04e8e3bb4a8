import Avro
import Foundation

/// Decoders shared by every fuzz input (built once from the fixtures' schema registry).
///
/// `nonisolated(unsafe)`: libFuzzer calls the entry point from one thread only.
nonisolated(unsafe) private var harness: FuzzHarness?

/// The schemas and decoders the inputs are run against.
private struct FuzzHarness {
    let audit: FrameDecoder
    let auditNothing: FrameDecoder
    let gateway: FrameDecoder
    let v2AsV1: AvroRecordDecoder
    var values = AvroValues(count: 8)

    init() {
        let here = URL(fileURLWithPath: #filePath)
        let registryURL = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/AvroTests/Fixtures/audit-2k.frames.registry.json")
        guard let data = try? Data(contentsOf: registryURL),
            let registry = (try? JSONSerialization.jsonObject(with: data)) as? [String: [String: Any]]
        else { fatalError("cannot read \(registryURL.path)") }
        var schemas: [Int32: AvroSchema] = [:]
        for (key, entry) in registry {
            guard let id = Int32(key), let text = entry["schema"] as? String,
                let schema = try? AvroSchema.parse(json: text, source: key)
            else { fatalError("bad registry entry \(key)") }
            schemas[id] = schema
        }
        let source = LocalSchemaFiles(schemas: schemas)
        let auditFields = ["INTERACTION_ID", "AURA_TM", "AURA_APP_ID", "COUNTRY_3_ALPHA_CD", "AURA_SERVICE_NAME_CD", "AURA_COMPONENT_ID"]
        audit = FrameDecoder(reader: schemas[1]!, fields: auditFields, schemas: source)
        auditNothing = FrameDecoder(reader: schemas[1]!, fields: [], schemas: source)
        gateway = FrameDecoder(
            reader: schemas[3]!, fields: ["MESSAGE_ID", "MESSAGE_TM", "AURA_NLP_IND", "AURA_APP_ID"], schemas: source)
        guard let decoder = try? AvroRecordDecoder(writer: schemas[2]!, reader: schemas[1]!, fields: auditFields) else {
            fatalError("v2 → v1 resolution failed")
        }
        v2AsV1 = decoder
    }

    /// Runs one input: the first byte picks the target, the rest is the data.
    mutating func run(_ mode: UInt8, _ input: UnsafeRawBufferPointer) {
        switch mode % 6 {
        case 0:
            _ = try? audit.decode(input, into: &values)
        case 1:
            _ = try? auditNothing.decode(input, into: &values)
        case 2:
            _ = try? gateway.decode(input, into: &values)
        case 3:
            var offset = 0
            while offset < input.count {
                do {
                    try v2AsV1.decode(input, offset: &offset, into: &values)
                } catch {
                    break
                }
            }
        case 4:
            _ = try? AvroSchema.parse(json: String(decoding: input, as: UTF8.self), source: "fuzz")
        default:
            readContainer(input)
        }
    }
}

/// Writes the input to a scratch file and reads it as an object container file, decoding every
/// record with its own writer schema (sequentially, then with read-ahead).
private func readContainer(_ input: UnsafeRawBufferPointer) {
    let path = "/tmp/avro-fuzz-\(getpid()).avro"
    guard let file = fopen(path, "wb") else { return }
    if input.count > 0 { fwrite(input.baseAddress, 1, input.count, file) }
    fclose(file)
    defer { unlink(path) }
    for readAhead in [false, true] {
        do {
            let reader = try AvroContainerReader(path: path, readAhead: readAhead)
            var fields: [String] = []
            if case .record(let record) = reader.writerSchema.root { fields = record.fields.map(\.name) }
            let decoder = try AvroRecordDecoder(writer: reader.writerSchema, reader: reader.writerSchema, fields: fields)
            var values = AvroValues(count: decoder.fieldCount)
            try reader.forEachRecord(decoder: decoder, values: &values) { _ in }
        } catch {
            continue
        }
    }
}

/// libFuzzer's driver (in the fuzzer runtime linked by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    // Copy into an exactly-sized allocation so AddressSanitizer catches any read past the input.
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: size - 1, alignment: 1)
    defer { copy.deallocate() }
    if size > 1 { copy.copyMemory(from: UnsafeRawBufferPointer(start: data + 1, count: size - 1)) }
    harness!.run(data[0], UnsafeRawBufferPointer(copy))
    return 0
}

// This file's top-level code is the program's main (SwiftPM may rename it for executables, so we
// do not rely on libFuzzer's own main): hand the command line to the libFuzzer driver.
// The harness is built before fuzzing starts, so its allocations are not reported as leaks.
harness = FuzzHarness()
var fuzzArgc = CommandLine.argc
var fuzzArgv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv, fuzzOneInput))
