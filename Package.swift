// swift-tools-version:6.0
import PackageDescription

// A release build is linked small for the director by lld: packed relative relocations
// (DT_RELR, glibc 2.36, Debian 12) turn the static runtime's megabyte of relocations into
// kilobytes read at every start, and no symbol is exported (nothing loads the daemon's symbols;
// exported, every public function of every module stayed in, used or not). Code stays at -O:
// -Osize would save 0.24 MB more, trading away speed on the rounds' hot path for it.
let packedRelocations: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                 .when(platforms: [.linux], configuration: .release)),
]

// Tiers: system-library shims → one typed wrapper per C library → pure core → daemon.
let package = Package(
    name: "pglvsd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pglvsd", targets: ["pglvsd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // Tier 1: C libraries, nothing else.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-genl-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Pure value types shared by every tier (addresses), no C.
        .target(name: "LVSModel"),

        // Tier 2: one typed wrapper per C library.
        .target(name: "IPVS", dependencies: ["CNetlink", "LVSModel"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Systemd", dependencies: ["CSystemd"]),
        // libyaml's event parser into a Swift tree; anchors and aliases refused, never expanded.
        .target(name: "YAML", dependencies: ["CYAML"]),

        // Tier 3: the pure core and its configuration model.
        .target(name: "PoolCore", dependencies: ["LVSModel"]),
        .target(name: "Configuration", dependencies: ["PoolCore", "LVSModel", "YAML"]),
        // The round's decision, pure: one observation and the policies in; pools, kernel
        // operations and log lines out. No Dispatch, Foundation or C.
        .target(name: "RoundCore", dependencies: ["PoolCore", "LVSModel"]),

        // Tier 4: the daemon.
        .executableTarget(name: "pglvsd", dependencies: [
            "IPVS", "Postgres", "PoolCore", "RoundCore", "Configuration", "LVSModel", "Systemd",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: packedRelocations),

        // Benchmarks/ipvs/run.sh: the IPVS module's side of the add/delete/dump benchmark.
        .executableTarget(name: "ipvs-bench", dependencies: ["IPVS", "LVSModel"], path: "Benchmarks/IPVSBench"),
        // Benchmarks/compare/run.sh: one health check's CPU on a persistent connection.
        .executableTarget(name: "probe-bench", dependencies: ["Postgres"], path: "Benchmarks/ProbeBench"),

        .testTarget(name: "LVSModelTests", dependencies: ["LVSModel"]),
        .testTarget(name: "IPVSTests", dependencies: ["IPVS", "LVSModel", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        // Real PostgreSQL 15 servers with streaming replication on loopback (scripts/test starts them).
        .testTarget(name: "PostgresIntegrationTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd"]),
        // Runs inside the UML lab against a real IPVS kernel (and checks IPVS's absence elsewhere).
        .testTarget(name: "IPVSKernelTests", dependencies: ["IPVS", "LVSModel"]),
        .testTarget(name: "PoolCoreTests", dependencies: ["PoolCore", "LVSModel"]),
        .testTarget(name: "RoundCoreTests", dependencies: ["RoundCore", "PoolCore", "LVSModel"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        // YAML: the fuzz tests mutate the shipped example's YAML tree.
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "PoolCore", "LVSModel", "TestSupport", "YAML"]),
        // The daemon's own pieces: configuration reads, maintenance marks, and the loop's parts
        // against a recording IPVS table (kernel apply and drift, the reload diff).
        .testTarget(name: "pglvsdTests", dependencies: ["pglvsd", "IPVS", "LVSModel", "Configuration", "PoolCore", "Postgres", "RoundCore",
                                                   "Systemd", "TestSupport"]),
        // Helpers shared by test targets (a loopback listener that never answers, the fuzz campaigns).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
    ]
)
