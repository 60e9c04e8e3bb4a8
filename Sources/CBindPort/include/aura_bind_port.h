#ifndef AURA_BIND_PORT_H
#define AURA_BIND_PORT_H
/*
 * Fixed ports for librdkafka's mock cluster.
 *
 * librdkafka has no setting for the mock brokers' listen ports: each binds 127.0.0.1:0 and reads
 * the kernel's choice back. This module interposes bind(2) (the executable exports the symbol, so
 * the call inside librdkafka.so resolves here). Only while armed, and only on the thread that
 * armed it, is an IPv4 bind to port 0 rewritten to the next fixed port; every other bind of the
 * process, on any other thread or after disarming, passes through untouched.
 */
#include <stdint.h>

/** Arms the rewrite for `count` binds starting at `first_port`, on the calling thread only. */
void aura_bind_port_arm(int first_port, int count);
/** Disarms; returns how many armed ports were not used (non-zero: the override did not apply). */
int aura_bind_port_disarm(void);
/** 1 when 127.0.0.1:port can be bound now (SO_REUSEADDR, as the mock does), else 0 with errno set. */
int aura_bind_port_is_free(int port);
#endif
