import Invoicing
import Testing

@Suite("InvoicingError")
struct InvoicingErrorTests {
    @Test("description leads with file and line")
    func descriptionLeadsWithSource() {
        let error = InvoicingError(.init("catalog"), "unknown currency XXX", source: "tariffs.yaml:12")
        #expect(error.description == "tariffs.yaml:12: catalog: unknown currency XXX")
    }
}
