import Avro
import Foundation

/// Paths and helpers for the datagen fixtures in `Fixtures/` (copied into the test bundle).
enum Fixtures {
    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures resource missing from the test bundle")
        }
        return url
    }()

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: try data(name))
        guard let dictionary = object as? [String: Any] else { throw FixtureError("\(name) is not a JSON object") }
        return dictionary
    }

    /// The frames of a length-prefixed frames file (4-byte big-endian length, then the frame).
    static func frames(_ name: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try data(name))
        var frames: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            guard position + 4 <= bytes.count else { throw FixtureError("truncated length prefix") }
            let length =
                Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8
                | Int(bytes[position + 3])
            position += 4
            guard position + length <= bytes.count else { throw FixtureError("truncated frame") }
            frames.append(Array(bytes[position..<position + length]))
            position += length
        }
        return frames
    }

    /// The id → schema map of a `<file>.registry.json`.
    static func registry(_ name: String) throws -> LocalSchemaFiles {
        var schemas: [Int32: AvroSchema] = [:]
        for (key, value) in try json(name) {
            guard let id = Int32(key), let entry = value as? [String: Any], let text = entry["schema"] as? String else {
                throw FixtureError("bad registry entry \(key)")
            }
            schemas[id] = try AvroSchema.parse(json: text, source: "\(name)#\(id)")
        }
        return LocalSchemaFiles(schemas: schemas)
    }

    /// A schema from the registry of the audit fixtures: 1 = Aura_Audit v1, 2 = v2, 3 = gateway.
    static func schema(id: Int32) throws -> AvroSchema {
        try registry("audit-2k.frames.registry.json").schema(id: id)
    }
}
