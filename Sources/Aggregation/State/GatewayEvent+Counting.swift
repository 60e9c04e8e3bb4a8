extension GatewayEvent: CountableEvent {
    /// Checks the fields' limits (`InputLimits`), interns OB and app, places the message, fingerprints MESSAGE_ID and hashes its on-time row
    /// key (for the batch's row prefetch).
    @inline(__always)
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError)
        -> PartitionState.Prepared
    {
        try InputLimits.checkID(event.messageID, field: "MESSAGE_ID")
        try InputLimits.checkID(event.app, field: "AURA_APP_ID")
        let obID = try state.internOB(event.ob, field: "COUNTRY_3_ALPHA_CD")
        let (period, day) = try state.place(obID: obID, timeMs: event.timeMs)
        let app =
            try event.app.map { bytes throws(AggregationError) in
                try state.internID(bytes, field: "AURA_APP_ID")
            } ?? nullStringID
        let key = GatewayRowKey(ob: obID, app: app, period: period.rawValue, billedIn: 0)
        return PartitionState.Prepared(
            fp: Fingerprint.gateway(messageID: event.messageID), obID: obID, period: period,
            day: day, app: app, rowHash: key.mixHash, isGateway: true)
    }

    /// Counts a new message in its gateway row (messages, and NLP messages when flagged).
    @inline(__always)
    static func commit(
        _ event: Self, _ p: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome {
        try state.count(fp: p.fp, obID: p.obID, period: p.period, day: p.day, timeMs: event.timeMs, source: source) {
            (state: inout PartitionState, billedIn: Int32) throws(AggregationError) -> DedupRef in
            let key = GatewayRowKey(ob: p.obID, app: p.app, period: p.period.rawValue, billedIn: billedIn)
            let row = try state.gatewayRow(key, hash: p.hash(of: key, billedIn: billedIn), limited: true)
            state.gatewayRows[row].messages += 1
            if event.nlp { state.gatewayRows[row].nlpMessages += 1 }
            return DedupRef(gateway: true, nlp: event.nlp, day: p.day, row: row)
        }
    }
}
