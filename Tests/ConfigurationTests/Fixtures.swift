@testable import Configuration

/// The smallest valid configuration; tests append keys to it.
let minimal = """
    writer:
      conninfo: "host=10.0.0.100 dbname=postgres user=pglvsd"
    virtual_services:
      - address: 10.0.0.200
        port: 5432
    """

/// The problems a configuration has, as check-config prints them; none when it loads.
func problems(_ yaml: String) -> [String] {
    do {
        _ = try ConfigurationLoader.load(yaml: yaml)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}
