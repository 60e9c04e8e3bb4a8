import KafkaBridge

extension KafkaProducer {
    /// Produces `message` to the demo's topic for it (`aura.audit` or `aura.gateway`), keyed as
    /// generated; delivery is awaited by the caller's `flush`.
    func produce(_ message: DemoMessage) throws {
        try produce(
            topic: message.topic == .audit ? "aura.audit" : "aura.gateway", key: message.key, value: message.value)
    }
}
