import KafkaBridge

/// The real group member: librdkafka's consumer already has every member the loop needs.
extension KafkaConsumer: PartitionConsumer {}
