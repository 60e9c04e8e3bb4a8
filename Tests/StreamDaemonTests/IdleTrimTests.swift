import Testing

@testable import StreamDaemon

@Suite("Idle heap trim")
struct IdleTrimTests {
    @Test("trims once at the first quiet tick after a busy spell, never while activity continues")
    func trimsOncePerQuietSpell() {
        var trim = IdleTrim()
        var ticks: [Bool] = []
        ticks.append(trim.tick())  // no activity yet: nothing to give back
        trim.sawActivity()
        ticks.append(trim.tick())  // activity since the last tick: still busy
        trim.sawActivity()
        ticks.append(trim.tick())  // still busy
        ticks.append(trim.tick())  // first quiet tick after the spell: trim
        ticks.append(trim.tick())  // once per quiet spell
        ticks.append(trim.tick())
        trim.sawActivity()
        ticks.append(trim.tick())
        ticks.append(trim.tick())  // the next spell is trimmed too
        #expect(ticks == [false, false, false, true, false, false, false, true])
    }
}
