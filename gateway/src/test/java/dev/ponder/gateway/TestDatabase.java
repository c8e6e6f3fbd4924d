package dev.ponder.gateway;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A fresh, empty PostgreSQL database for one test context. The server is the one named by
 * {@code PONDER_TEST_POSTGRES_URL}, e.g. {@code jdbc:postgresql://127.0.0.1:55432/} (CI starts the system
 * PostgreSQL and sets it; user postgres, trust authentication), or else an embedded PostgreSQL
 * started once for the whole test JVM. Either way it is a real PostgreSQL, never an in-memory stand-in.
 */
public final class TestDatabase {

    private static final String SERVER_URL_ENV = "PONDER_TEST_POSTGRES_URL";
    private static String serverBase;

    private TestDatabase() {}

    /** Creates a database and points the context's datasource at it. */
    public static String register(DynamicPropertyRegistry registry) {
        String url = create();
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
        return url;
    }

    /** Creates a new database on the test server and returns its JDBC URL. */
    public static synchronized String create() {
        String base = serverBase();
        String name =
                "ponder_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(base + "postgres", "postgres", "")) {
            c.createStatement().execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create a test database on " + base, e);
        }
        return base + name;
    }

    /** Creates a database with every migration applied; each use of the data source opens its own connection. */
    public static DataSource migrated() {
        DataSource dataSource = new DriverManagerDataSource(create(), "postgres", "");
        Flyway.configure().dataSource(dataSource).load().migrate();
        return dataSource;
    }

    /** The server's JDBC URL up to and including the slash before the database name. */
    private static String serverBase() {
        if (serverBase == null) {
            String configured = System.getenv(SERVER_URL_ENV);
            serverBase = configured != null && !configured.isBlank()
                    ? configured.substring(0, configured.indexOf('/', "jdbc:postgresql://".length()) + 1)
                    : startEmbedded();
        }
        return serverBase;
    }

    private static String startEmbedded() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temporary data directory goes with the process
                }
            }));
            return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/";
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start an embedded PostgreSQL for the tests", e);
        }
    }
}
