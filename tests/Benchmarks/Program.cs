// Benchmarks: `dotnet run -c Release --project tests/Benchmarks -- <name>`; each prints ratios measured side by side.
using Npa.Benchmarks;

return BenchmarkCatalog.Run(args);
