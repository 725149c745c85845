// swift-tools-version: 6.1
// A cluster manager's own Swift tool embedding migplan by path: reads an inventory and asks
// whether each VM could move to a given host, through the library API (no CLI involved).
import PackageDescription

let package = Package(
    name: "readiness-example",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "migplan", path: "../..")],
    targets: [
        .executableTarget(
            name: "readiness",
            dependencies: [
                .product(name: "MigPlanCPU", package: "migplan"),
                .product(name: "MigPlanInventory", package: "migplan"),
                .product(name: "MigPlanMigration", package: "migplan"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
