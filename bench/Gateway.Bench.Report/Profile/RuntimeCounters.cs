using System.Globalization;

namespace Gateway.Bench.Report.Profile;

/// <summary>dotnet-counters' CSV (System.Runtime): sums of the per-second rates over the window, first seconds (attach) left out.</summary>
internal sealed record RuntimeCounters(IReadOnlyDictionary<string, double> Sums, int Seconds)
{
    public static RuntimeCounters? Read(string path, int skipSeconds = 2)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            return new RuntimeCounters(new Dictionary<string, double>(), 0);
        }

        var columns = Csv(lines[0]);
        int Column(string name) => columns.IndexOf(name);
        var (time, counter, value) = (Column("Timestamp"), Column("Counter Name"), Column("Mean/Increment"));
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(Csv).Where(r => r.Count > Math.Max(time, Math.Max(counter, value))).ToList();
        var stamps = rows.Select(r => r[time]).Distinct(StringComparer.Ordinal).ToList();
        var keep = stamps.Skip(skipSeconds).ToHashSet(StringComparer.Ordinal);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (keep.Contains(row[time]) && row[counter].Contains("/ 1 sec", StringComparison.Ordinal)
                && double.TryParse(row[value], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                sums[row[counter]] = sums.GetValueOrDefault(row[counter]) + v;
            }
        }

        return new RuntimeCounters(sums, keep.Count);
    }

    /// <summary>One CSV record: fields split on commas, double quotes around a field that holds one.</summary>
    private static List<string> Csv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
