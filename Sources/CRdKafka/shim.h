#ifndef AURA_CRDKAFKA_SHIM_H
#define AURA_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> /* must follow rdkafka.h */
#endif
