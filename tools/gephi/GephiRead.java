// Opens a GEXF or GraphML file with Gephi's own importer (the Gephi Toolkit, the library behind the Gephi
// application) and prints one JSON line: counts, attribute columns, node labels and edge kinds as Gephi
// read them, and the importer's issues. survgraph's tests use it to prove their exports open in Gephi.
//
//   java -cp "LIB/*" tools/gephi/GephiRead.java FILE
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.gephi.graph.api.Column;
import org.gephi.graph.api.DirectedGraph;
import org.gephi.graph.api.Edge;
import org.gephi.graph.api.GraphController;
import org.gephi.graph.api.GraphModel;
import org.gephi.graph.api.Node;
import org.gephi.io.importer.api.Container;
import org.gephi.io.importer.api.ImportController;
import org.gephi.io.importer.api.Issue;
import org.gephi.io.processor.plugin.DefaultProcessor;
import org.gephi.project.api.ProjectController;
import org.gephi.project.api.Workspace;
import org.openide.util.Lookup;

public class GephiRead {
    static String q(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    static String list(List<String> items) {
        List<String> quoted = new ArrayList<>();
        for (String i : items) quoted.add(q(i));
        return "[" + String.join(",", quoted) + "]";
    }

    public static void main(String[] args) throws Exception {
        ProjectController pc = Lookup.getDefault().lookup(ProjectController.class);
        pc.newProject();
        Workspace workspace = pc.getCurrentWorkspace();
        ImportController importer = Lookup.getDefault().lookup(ImportController.class);
        Container container = importer.importFile(new File(args[0]));
        if (container == null) {
            System.out.println("{\"error\":\"Gephi could not import the file\"}");
            System.exit(2);
        }
        // As a Gephi user would choose in the import dialog: one edge per claim, never merged (two claims
        // between the same pair are different statements, e.g. conflicting figures from two sources).
        container.getLoader().setAllowParallelEdge(true);
        List<String> issues = new ArrayList<>();
        for (java.util.Iterator<Issue> it = container.getReport().getIssues(1000); it.hasNext(); ) {
            Issue issue = it.next();
            issues.add(issue.getLevel() + ": " + issue.getMessage());
        }
        // What Gephi read from the file, one draft per edge element, before its graph merges parallel edges
        // of the same type (Gephi holds one edge per pair and type).
        List<String> read = new ArrayList<>();
        for (org.gephi.io.importer.api.EdgeDraft e : container.getUnloader().getEdges()) {
            read.add(e.getId());
        }
        importer.process(container, new DefaultProcessor(), workspace);
        GraphModel model = Lookup.getDefault().lookup(GraphController.class).getGraphModel(workspace);
        DirectedGraph graph = model.getDirectedGraph();
        List<String> nodeColumns = new ArrayList<>();
        for (Column c : model.getNodeTable()) nodeColumns.add(c.getTitle());
        List<String> edgeColumns = new ArrayList<>();
        for (Column c : model.getEdgeTable()) edgeColumns.add(c.getTitle());
        TreeMap<String, String> labels = new TreeMap<>();
        for (Node n : graph.getNodes()) labels.put(String.valueOf(n.getId()), String.valueOf(n.getLabel()));
        List<String> edges = new ArrayList<>();
        for (Edge e : graph.getEdges()) {
            edges.add(e.getSource().getId() + " " + e.getLabel() + " " + e.getTarget().getId());
        }
        StringBuilder out = new StringBuilder("{");
        out.append("\"nodes\":").append(graph.getNodeCount());
        out.append(",\"edges\":").append(graph.getEdgeCount());
        out.append(",\"directed\":").append(graph.isDirected());
        out.append(",\"nodeColumns\":").append(list(nodeColumns));
        out.append(",\"edgeColumns\":").append(list(edgeColumns));
        List<String> labelPairs = new ArrayList<>();
        for (var entry : labels.entrySet()) labelPairs.add(q(entry.getKey()) + ":" + q(entry.getValue()));
        out.append(",\"labels\":{").append(String.join(",", labelPairs)).append("}");
        out.append(",\"edgeList\":").append(list(edges));
        out.append(",\"readEdges\":").append(list(read));
        out.append(",\"issues\":").append(list(issues));
        out.append("}");
        System.out.println(out);
        System.exit(0);
    }
}
