import Avro

extension OBTimeZones {
    /// OB → time zone from a `D_Gbl_Country` container file (COUNTRY_3_ALPHA_CD, TIME_ZONE_ID).
    package static func load(countryFile path: String, fallback: String? = nil) throws(AggregationError) -> OBTimeZones
    {
        var zones: [String: String] = [:]
        do {
            let reader = try AvroContainerReader(path: path)
            let schema = try AvroSchema.parse(json: ReaderSchemas.countryJSON, source: "D_Gbl_Country reader schema")
            let decoder = try AvroRecordDecoder(
                writer: reader.writerSchema, reader: schema,
                fields: ["COUNTRY_3_ALPHA_CD", "TIME_ZONE_ID"])
            var values = AvroValues(count: decoder.fieldCount)
            try reader.forEachRecord(decoder: decoder, values: &values) { values in
                zones[String(decoding: values.bytes(0), as: UTF8.self)] = String(
                    decoding: values.bytes(1), as: UTF8.self)
            }
        } catch let error as AggregationError {
            throw error
        } catch {
            throw AggregationError(.decode, "\(error)", source: path)
        }
        return try OBTimeZones(zones, fallback: fallback)
    }
}
