import Avro
import Testing

@Suite("AvroError")
struct AvroErrorTests {
    @Test("description names the code, the byte offset and the source")
    func descriptionNamesOffsetAndSource() {
        let error = AvroError(.init("truncated"), "string runs past the end", offset: 17, source: "audit.avro")
        #expect(error.description == "truncated: string runs past the end at byte 17 in audit.avro")
    }
}
