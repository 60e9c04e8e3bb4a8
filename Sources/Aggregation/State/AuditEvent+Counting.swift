extension AuditEvent: CountableEvent {
    /// Checks the fields' limits (`InputLimits`), interns OB, component and app, places the event, fingerprints (INTERACTION_ID,
    /// AURA_COMPONENT_ID) and hashes its on-time row key (for the batch's row prefetch).
    @inline(__always)
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError)
        -> PartitionState.Prepared
    {
        try InputLimits.checkID(event.interactionID, field: "INTERACTION_ID")
        try InputLimits.checkID(event.componentID, field: "AURA_COMPONENT_ID")
        try InputLimits.checkID(event.app, field: "AURA_APP_ID")
        let obID = try state.internOB(event.ob, field: "COUNTRY_3_ALPHA_CD")
        let (period, day) = try state.place(obID: obID, timeMs: event.timeMs)
        let fp = Fingerprint.audit(interactionID: event.interactionID, componentID: event.componentID)
        let component = try state.internID(event.componentID, field: "AURA_COMPONENT_ID")
        let app =
            try event.app.map { bytes throws(AggregationError) in
                try state.internID(bytes, field: "AURA_APP_ID")
            } ?? nullStringID
        let key = AuditRowKey(
            ob: obID, component: component, app: app, period: period.rawValue, billedIn: 0,
            service: event.service)
        return PartitionState.Prepared(
            fp: fp, obID: obID, period: period, day: day, component: component, app: app,
            rowHash: key.mixHash, isGateway: false)
    }

    /// Counts a new event in its audit row (the query count).
    @inline(__always)
    static func commit(
        _ event: Self, _ p: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome {
        try state.count(fp: p.fp, obID: p.obID, period: p.period, day: p.day, timeMs: event.timeMs, source: source) {
            (state: inout PartitionState, billedIn: Int32) throws(AggregationError) -> DedupRef in
            let key = AuditRowKey(
                ob: p.obID, component: p.component, app: p.app, period: p.period.rawValue,
                billedIn: billedIn, service: event.service)
            let row = try state.auditRow(key, hash: p.hash(of: key, billedIn: billedIn), limited: true)
            state.auditRows[row].count += 1
            return DedupRef(gateway: false, nlp: false, day: p.day, row: row)
        }
    }
}
