/* avro-c peer: decode an Aura_Audit container with the generic value API and count rows per
 * (OB, first 7 chars of AURA_TM, component, app); prints the datagen's peer checksum and
 * records/s as one JSON line. Build: gcc -O2 -o avroc_peer avroc_peer.c -lavro */
#include <avro.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS (1u << 20)
static uint64_t keys[SLOTS];
static uint64_t counts[SLOTS];

static uint64_t fnv(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static int field_string(avro_value_t *rec, const char *name, const char **s, size_t *n) {
    avro_value_t f, b;
    if (avro_value_get_by_name(rec, name, &f, NULL)) return -1;
    if (avro_value_get_type(&f) == AVRO_UNION) {
        int d;
        avro_value_get_discriminant(&f, &d);
        avro_value_get_current_branch(&f, &b);
        if (avro_value_get_type(&b) == AVRO_NULL) { *s = "\\N"; *n = 2; return 0; }
        f = b;
    }
    if (avro_value_get_string(&f, s, n)) return -1;
    if (*n > 0) (*n)--; /* size includes the NUL */
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: avroc_peer FILE\n"); return 2; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    avro_file_reader_t reader;
    if (avro_file_reader(argv[1], &reader)) { fprintf(stderr, "%s\n", avro_strerror()); return 1; }
    avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t value;
    avro_generic_value_new(iface, &value);
    long long records = 0, groups = 0;
    while (avro_file_reader_read_value(reader, &value) == 0) {
        const char *s; size_t n;
        uint64_t h = 0xcbf29ce484222325ULL;
        field_string(&value, "COUNTRY_3_ALPHA_CD", &s, &n); h = fnv(h, s, n); h = fnv(h, "\t", 1);
        field_string(&value, "AURA_TM", &s, &n); h = fnv(h, s, n < 7 ? n : 7); h = fnv(h, "\t", 1);
        field_string(&value, "AURA_COMPONENT_ID", &s, &n); h = fnv(h, s, n); h = fnv(h, "\t", 1);
        field_string(&value, "AURA_APP_ID", &s, &n); h = fnv(h, s, n);
        uint32_t i = (uint32_t)(h ^ (h >> 29)) & (SLOTS - 1);
        while (counts[i] && keys[i] != h) i = (i + 1) & (SLOTS - 1);
        if (!counts[i]) { keys[i] = h; groups++; }
        counts[i]++;
        records++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < SLOTS; i++) if (counts[i]) sum += keys[i] * counts[i];
    printf("{\"peer\":\"avro-c\",\"records\":%lld,\"groups\":%lld,\"checksum\":\"%016llx\",\"seconds\":%f,\"records_per_s\":%f}\n",
           records, groups, (unsigned long long)sum, seconds, records / seconds);
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_file_reader_close(reader);
    return 0;
}
