import Testing

@Suite("ReplayCommand")
struct ReplayCommandTests {
    @Test("placeholder until the replay pipeline lands")
    func placeholder() {
        #expect(Int("1") == 1)
    }
}
