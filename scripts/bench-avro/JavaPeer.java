// Java (Apache Avro) peer: decode an Aura_Audit container with GenericDatumReader, reusing the
// record, and count rows per (OB, first 7 chars of AURA_TM, component, app); prints the datagen's
// peer checksum and records/s as one JSON line.
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

public class JavaPeer {
    static long fnv(long h, byte[] b, int n) {
        for (int i = 0; i < n; i++) h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
        return h;
    }
    static long fnv(long h, Object value) {
        byte[] b = value == null ? "\\N".getBytes(StandardCharsets.UTF_8) : value.toString().getBytes(StandardCharsets.UTF_8);
        return fnv(h, b, b.length);
    }
    static final byte[] TAB = {9};

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        HashMap<Long, long[]> groups = new HashMap<>();
        long records = 0;
        try (DataFileReader<GenericRecord> reader = new DataFileReader<>(new File(args[0]), new GenericDatumReader<GenericRecord>())) {
            GenericRecord r = null;
            while (reader.hasNext()) {
                r = reader.next(r);
                long h = 0xcbf29ce484222325L;
                h = fnv(h, r.get("COUNTRY_3_ALPHA_CD")); h = fnv(h, TAB, 1);
                byte[] tm = r.get("AURA_TM").toString().getBytes(StandardCharsets.UTF_8);
                h = fnv(h, tm, Math.min(7, tm.length)); h = fnv(h, TAB, 1);
                h = fnv(h, r.get("AURA_COMPONENT_ID")); h = fnv(h, TAB, 1);
                h = fnv(h, r.get("AURA_APP_ID"));
                groups.computeIfAbsent(h, k -> new long[1])[0]++;
                records++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long sum = 0;
        for (java.util.Map.Entry<Long, long[]> e : groups.entrySet()) sum += e.getKey() * e.getValue()[0];
        System.out.printf("{\"peer\":\"java-avro\",\"records\":%d,\"groups\":%d,\"checksum\":\"%016x\",\"seconds\":%f,\"records_per_s\":%f}%n",
            records, groups.size(), sum, seconds, records / seconds);
    }
}
