import Aggregation
import Testing

@Suite("AggregationError")
struct AggregationErrorTests {
    @Test("description names the code and the source")
    func descriptionNamesSource() {
        let error = AggregationError(.init("checksum"), "checksum mismatch", source: "state/p0.ckpt")
        #expect(error.description == "checksum: checksum mismatch (state/p0.ckpt)")
    }
}
