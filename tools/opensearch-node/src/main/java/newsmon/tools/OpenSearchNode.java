package newsmon.tools;

import java.nio.file.Files;
import java.nio.file.Path;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Starts one OpenSearch node bound to loopback and runs until killed.
 *
 * Usage: OpenSearchNode PORT DATA_DIR. Prints "READY http://127.0.0.1:PORT" once the cluster
 * is yellow, so a script can wait for that line.
 */
public final class OpenSearchNode {
    private OpenSearchNode() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "9250");
        Path dataDir = Path.of(args.length > 1 ? args[1] : "var/opensearch");
        Files.createDirectories(dataDir);

        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((index, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", String.valueOf(port));
            settings.put("transport.port", String.valueOf(port + 100));
            settings.put("discovery.type", "single-node");
            // Tests fill and drop indices quickly; disk watermarks would make the node read-only
            // on a nearly full CI disk for reasons unrelated to the code under test.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        });
        runner.build(OpenSearchRunner.newConfigs()
                .numOfNode(1)
                .clusterName("newsmon-test")
                .basePath(dataDir.toAbsolutePath().toString()));
        runner.ensureYellow();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
                runner.clean();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
        }));
        System.out.println("READY http://127.0.0.1:" + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
