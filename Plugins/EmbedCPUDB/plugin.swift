import Foundation
import PackagePlugin

/// Embeds the package's top-level `cpudb/` directory into the target as Swift source, so that
/// `swift run`, a release binary copied anywhere and an app that embeds the library all carry
/// the same CPU data without looking for files at run time.
@main
struct EmbedCPUDB: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let cpudb = context.package.directoryURL.appending(path: "cpudb")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedCPUDB.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: cpudb, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where url.pathExtension == "json" {
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }
        return [
            .buildCommand(
                displayName: "Embedding cpudb (\(inputs.count) files)",
                executable: try context.tool(named: "cpudb-embed").url,
                arguments: [cpudb.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
