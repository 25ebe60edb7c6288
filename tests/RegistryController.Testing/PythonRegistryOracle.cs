using System.Text.Json;
using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>What python3 says about one mutant: is it JSON to Python, is it a registry, which agents are zombies.</summary>
/// <param name="Json">Python's <c>json.loads</c> (after a strict UTF-8 decode, as the orchestrator reads) accepts it.</param>
/// <param name="Quirks">JSON Python accepts that a strict reader may refuse: NaN/Infinity, duplicate keys, lone surrogates, nesting past 500.</param>
/// <param name="Valid">It is a registry: every field the contract names has its type (strings or null, whole numbers in 64 bits, agents a list/dict).</param>
/// <param name="Zombies">Indexes (task registries) of agents that must be terminated: active, session named and gone, started well over the grace ago.</param>
/// <param name="Maybe">Indexes whose fate depends on how a timestamp is read (unparsable by Python, or near now): either outcome is right.</param>
public sealed record PythonVerdict(int Number, bool Json, string Why, IReadOnlyList<string> Quirks, bool Valid, IReadOnlyList<int> Zombies, IReadOnlyList<int> Maybe);

/// <summary>
/// The differential oracle: python3's json module says what JSON is, and a small Python model of
/// the registry contract says what a registry is and which of its agents are zombies. Everything
/// is judged in one python3 run per batch.
/// </summary>
public static class PythonRegistryOracle
{
    private const string Common = """
        import json, sys, datetime

        STR_FIELDS = ['status', 'tmux_session', 'started_at', 'task_id', 'termination_reason', 'terminated_at', 'completed_at', 'last_update']
        INT64 = (-2**63, 2**63 - 1)

        def load(b):
            text = b.decode('utf-8')
            quirks = set()
            def constant(c):
                quirks.add('nan-infinity')
                return float(c)
            def pairs(ps):
                keys = [k for k, _ in ps]
                if len(keys) != len(set(keys)):
                    quirks.add('duplicate-key')
                return dict(ps)
            d = json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
            depth, stack = 0, [(d, 1)]
            while stack:
                v, level = stack.pop()
                if isinstance(v, dict):
                    depth = max(depth, level)
                    for k, x in v.items():
                        if any(0xD800 <= ord(c) <= 0xDFFF for c in k):
                            quirks.add('lone-surrogate')
                        stack.append((x, level + 1))
                elif isinstance(v, list):
                    depth = max(depth, level)
                    stack.extend((x, level + 1) for x in v)
                elif isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
                    quirks.add('lone-surrogate')
            if depth > 500:
                quirks.add('deep')
            return d, sorted(quirks)

        def check_agent(a, where):
            if type(a) is not dict:
                return where + ' is not an object'
            for f in STR_FIELDS:
                if a.get(f) is not None and type(a[f]) is not str:
                    return where + '.' + f + ' is not a string'
            t = a.get('tracked_files')
            if type(t) is dict:
                for f in ('log_file', 'progress_file'):
                    if t.get(f) is not None and type(t[f]) is not str:
                        return where + '.tracked_files.' + f + ' is not a string'
            return None

        def check(d, kind):
            if type(d) is not dict:
                return 'the top level is not an object'
            counters = ['active_count', 'total_spawned', 'completed_count'] if kind == 'task' else ['active_agents', 'total_agents_spawned']
            for c in counters:
                v = d.get(c)
                if v is not None and not (type(v) is int and INT64[0] <= v <= INT64[1]):
                    return c + ' is not a whole number in 64 bits'
            if kind == 'task':
                if d.get('task_id') is not None and type(d['task_id']) is not str:
                    return 'task_id is not a string'
                if 'agents' not in d or type(d['agents']) is not list:
                    return 'agents is not a list'
                for i, a in enumerate(d['agents']):
                    problem = check_agent(a, 'agents[%d]' % i)
                    if problem:
                        return problem
                    if type(a.get('id')) is not str:
                        return 'agents[%d].id is missing' % i
            else:
                if 'agents' not in d:
                    return None
                if type(d['agents']) is not dict:
                    return 'agents is not a dict'
                for k, a in d['agents'].items():
                    problem = check_agent(a, 'agents[%r]' % k)
                    if problem:
                        return problem
            return None
        """;

    private const string ClassifyScript = Common + """

        manifest = json.load(open(sys.argv[1]))
        live = set(manifest['live'])
        active = set(manifest['active'])
        grace = datetime.timedelta(seconds=manifest['grace_seconds'])
        out = []
        for item in manifest['items']:
            v = {'number': item['number'], 'json': False, 'why': '', 'quirks': [], 'valid': False, 'zombies': [], 'maybe': []}
            out.append(v)
            try:
                d, v['quirks'] = load(open(item['path'], 'rb').read())
                v['json'] = True
            except RecursionError:
                v['why'] = 'RecursionError'
                continue
            except (ValueError, UnicodeDecodeError) as e:
                v['why'] = type(e).__name__ + ': ' + str(e)[:200]
                continue
            problem = check(d, item['kind'])
            v['valid'] = problem is None
            v['why'] = problem or ''
            if problem or item['kind'] != 'task':
                continue
            for i, a in enumerate(d['agents']):
                s = a.get('tmux_session')
                if a.get('status') not in active or type(s) is not str or s == '' or s in live:
                    continue
                try:
                    started = datetime.datetime.fromisoformat(a.get('started_at') or '')
                    age = (datetime.datetime.now() if started.tzinfo is None else datetime.datetime.now(datetime.timezone.utc)) - started
                except (ValueError, TypeError, OverflowError):
                    age = None
                if age is None or -datetime.timedelta(hours=1) <= age <= datetime.timedelta(minutes=5):
                    v['maybe'].append(i)
                elif age > grace:
                    v['zombies'].append(i)
        print(json.dumps(out))
        """;

    private const string AfterScript = Common + """

        manifest = json.load(open(sys.argv[1]))
        active = set(manifest['active'])
        TERMINATION = ('status', 'termination_reason', 'terminated_at', 'last_update', 'reconciled_by', 'outcome_evidence')
        MIRROR = ('status', 'termination_reason', 'terminated_at', 'completed_at', 'last_update', 'reconciled_by', 'outcome_evidence')
        problems = []
        for item in manifest['items']:
            n = item['number']
            def fail(msg):
                problems.append('mutant %d: %s' % (n, msg))
            before, _ = load(open(item['before'], 'rb').read())
            try:
                after, quirks = load(open(item['after'], 'rb').read())
            except Exception as e:
                fail('the written file is not JSON to Python: %r' % e)
                continue
            if check(after, item['kind']):
                fail('the written file is no longer a registry: ' + check(after, item['kind']))
                continue
            if item['kind'] == 'task':
                counter = 'active_count'
                b_agents, a_agents = before['agents'], after['agents']
                if len(b_agents) != len(a_agents):
                    fail('agents added or removed')
                    continue
                allowed = set(item['zombies']) | set(item['maybe'])
                for i, (b, a) in enumerate(zip(b_agents, a_agents)):
                    if b.get('status') != a.get('status'):
                        if i not in allowed:
                            fail('agents[%d] (%s) went from %r to %r but is no zombie' % (i, b.get('id'), b.get('status'), a.get('status')))
                        if a.get('status') != 'terminated' or a.get('termination_reason') not in ('session_not_found', 'pane_dead') or a.get('last_update') != a.get('terminated_at') or a.get('reconciled_by') != 'registryctl':
                            fail('agents[%d] was changed but not as a termination: %r' % (i, {k: a.get(k) for k in TERMINATION}))
                        rest_b = {k: x for k, x in b.items() if k not in TERMINATION}
                        rest_a = {k: x for k, x in a.items() if k not in TERMINATION}
                        if rest_b != rest_a:
                            fail('agents[%d]: fields other than the termination changed' % i)
                    elif b != a:
                        fail('agents[%d] changed without a status change' % i)
                    if i in item['zombies'] and a.get('status') != 'terminated':
                        fail('agents[%d] (%s) is a zombie but was left %r' % (i, b.get('id'), a.get('status')))
                if before.get(counter) is not None:
                    really = sum(1 for a in a_agents if a.get('status') in active)
                    if after.get(counter) != really:
                        fail('%s is %r after the repair but %d agents are active' % (counter, after.get(counter), really))
                elif after.get(counter) is not None:
                    fail('%s was added' % counter)
            else:
                counter = 'active_agents'
                statuses = item['task_statuses']
                b_agents, a_agents = before.get('agents', {}), after.get('agents', {})
                if list(b_agents) != list(a_agents):
                    fail('global agents added, removed or reordered')
                    continue
                for k, b in b_agents.items():
                    a = a_agents[k]
                    if b.get('status') != a.get('status'):
                        if a.get('status') != statuses.get(k):
                            fail('global agent %s went from %r to %r but its task registry says %r' % (k, b.get('status'), a.get('status'), statuses.get(k)))
                    rest_b = {x: y for x, y in b.items() if x not in MIRROR}
                    rest_a = {x: y for x, y in a.items() if x not in MIRROR}
                    if rest_b != rest_a:
                        fail('global agent %s: fields other than the mirrored ones changed' % k)
                if after.get(counter) is not None and type(after.get(counter)) is not int:
                    fail('%s is not a whole number' % counter)
            rest_b = {k: x for k, x in before.items() if k not in ('agents', counter)}
            rest_a = {k: x for k, x in after.items() if k not in ('agents', counter)}
            if rest_b != rest_a:
                fail('top-level fields other than agents and %s changed' % counter)
        print(json.dumps(problems))
        """;

    public static async Task<IReadOnlyDictionary<int, PythonVerdict>> ClassifyAsync(string manifestPath)
    {
        var output = await Python.RunAsync(ClassifyScript, manifestPath);
        var verdicts = JsonNode.Parse(output)!.AsArray().Select(v => new PythonVerdict(
            (int)v!["number"]!,
            (bool)v["json"]!,
            (string?)v["why"] ?? string.Empty,
            [.. v["quirks"]!.AsArray().Select(q => (string)q!)],
            (bool)v["valid"]!,
            [.. v["zombies"]!.AsArray().Select(i => (int)i!)],
            [.. v["maybe"]!.AsArray().Select(i => (int)i!)]));
        return verdicts.ToDictionary(v => v.Number);
    }

    /// <summary>Checks every written mutant against its original: only terminations, mirrors and the active counter may differ.</summary>
    public static async Task<IReadOnlyList<string>> CheckWrittenAsync(string manifestPath)
    {
        var output = await Python.RunAsync(AfterScript, manifestPath);
        return JsonSerializer.Deserialize<List<string>>(output) ?? [];
    }
}
