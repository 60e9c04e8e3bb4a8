import Avro
import Testing

@Suite("AvroError")
struct AvroErrorTests {
    @Test("description names the code, the byte offset and the source")
    func descriptionNamesOffsetAndSource() {
        let error = AvroError(.init("truncated"), "string runs past the end", offset: 17, source: "audit.avro")
        #expect(error.description == "truncated: string runs past the end at byte 17 in audit.avro")
    }

    @Test("every code's raw value is kebab-case, the spelling of quarantine reasons and metric labels")
    func codesAreKebabCase() {
        let codes: [AvroError.Code] = [
            .truncated, .invalidLength, .overlongVarint, .invalidUnionIndex, .invalidEnumIndex, .invalidUTF8,
            .invalidBoolean, .wrongMagic, .unknownSchemaID, .trailingBytes, .corruptBlock, .badSyncMarker,
            .unsupportedCodec, .schemaParse, .incompatibleSchemas, .unresolvedUnionBranch, .schemaUnavailable, .io,
        ]
        for code in codes {
            let words = code.rawValue.split(separator: "-", omittingEmptySubsequences: false)
            #expect(
                words.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } },
                "\(code.rawValue) is not kebab-case")
        }
        #expect(Set(codes.map(\.rawValue)).count == codes.count)
        #expect(AvroError.Code.invalidUnionIndex.rawValue == "invalid-union-index")
        #expect(AvroError.Code.unknownSchemaID.rawValue == "unknown-schema-id")
        #expect(AvroError.Code.invalidUTF8.rawValue == "invalid-utf8")
    }
}
