// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "migplan",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MigPlanCPU", targets: ["MigPlanCPU"]),
        .library(name: "MigPlanLP", targets: ["MigPlanLP"]),
        .library(name: "MigPlanInventory", targets: ["MigPlanInventory"]),
        .library(name: "MigPlanMigration", targets: ["MigPlanMigration"]),
        .library(name: "MigPlanOptimizer", targets: ["MigPlanOptimizer"]),
        .library(name: "MigPlanLicensing", targets: ["MigPlanLicensing"]),
        .library(name: "MigPlanReports", targets: ["MigPlanReports"]),
        .library(name: "MigPlanROADEF", targets: ["MigPlanROADEF"]),
        .executable(name: "migplan", targets: ["migplan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // `swift package generate-documentation` over the DocC catalogues of each library.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // C libraries, nothing else: Debian's liblpsolve55-dev (static only) and libcpuid-dev.
        .systemLibrary(
            name: "CLPSolve",
            providers: [.apt(["liblpsolve55-dev"])]
        ),
        .systemLibrary(
            name: "CLibCPUID",
            pkgConfig: "libcpuid",
            providers: [.apt(["libcpuid-dev"])]
        ),

        // Small Swift LP/MILP API over lp_solve; no C type leaves it.
        .target(
            name: "MigPlanLP",
            dependencies: [
                "CLPSolve",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // CPU knowledge: feature catalogue, models, compare, baseline, masks, probe.
        .target(
            name: "MigPlanCPU",
            dependencies: [
                "CLibCPUID",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["EmbedCPUDB"]
        ),

        // The inventory format: model, YAML/JSON loading with key-path errors, validation.
        .target(
            name: "MigPlanInventory",
            dependencies: ["MigPlanCPU", .product(name: "Logging", package: "swift-log")]
        ),

        // Readiness of VM × host and the pre-copy cost model.
        .target(
            name: "MigPlanMigration",
            dependencies: ["MigPlanInventory", "MigPlanCPU", .product(name: "Logging", package: "swift-log")]
        ),

        // Licence metrics and scopes: units and cost of a product on a host, which hosts count.
        .target(name: "MigPlanLicensing", dependencies: ["MigPlanInventory"]),

        // The DRS-style placement optimizer on lp_solve, the sequencer and the validator.
        .target(
            name: "MigPlanOptimizer",
            dependencies: ["MigPlanLP", "MigPlanMigration", "MigPlanInventory", "MigPlanCPU", "MigPlanLicensing",
                           .product(name: "Logging", package: "swift-log")]
        ),

        // What-if licence-cost reports: scenarios (each an optimizer run) and their writers.
        .target(
            name: "MigPlanReports",
            dependencies: ["MigPlanOptimizer", "MigPlanLicensing", "MigPlanInventory", "MigPlanCPU"]
        ),

        // The ROADEF/EURO 2012 machine-reassignment benchmark: instance reader and evaluator.
        .target(name: "MigPlanROADEF", dependencies: ["MigPlanCPU", "MigPlanOptimizer"]),

        // Build-time tool: turns cpudb/*.json into Swift source, so every binary carries its data.
        .executableTarget(name: "cpudb-embed"),
        .plugin(
            name: "EmbedCPUDB",
            capability: .buildTool(),
            dependencies: ["cpudb-embed"]
        ),

        .executableTarget(
            name: "migplan",
            dependencies: [
                "MigPlanCPU",
                "MigPlanLP",
                "MigPlanInventory",
                "MigPlanMigration",
                "MigPlanOptimizer",
                "MigPlanLicensing",
                "MigPlanReports",
                "MigPlanROADEF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "MigPlanLPTests", dependencies: ["MigPlanLP", "CLPSolve"]),
        .testTarget(name: "MigPlanCPUTests", dependencies: ["MigPlanCPU"]),
        .testTarget(name: "MigPlanMigrationTests", dependencies: ["MigPlanMigration", "MigPlanInventory", "MigPlanCPU"]),
        .testTarget(name: "MigPlanOptimizerTests", dependencies: ["MigPlanOptimizer", "MigPlanLP", "MigPlanMigration", "MigPlanInventory", "MigPlanCPU"]),
        .testTarget(name: "MigPlanReportsTests", dependencies: ["MigPlanReports", "MigPlanLicensing", "MigPlanOptimizer", "MigPlanInventory", "MigPlanCPU"]),
        .testTarget(name: "MigPlanROADEFTests", dependencies: ["MigPlanROADEF", "MigPlanOptimizer", "MigPlanLP", "MigPlanCPU"]),
        .testTarget(name: "MigPlanCLITests", dependencies: ["migplan"]),
    ],
    swiftLanguageModes: [.v6]
)
