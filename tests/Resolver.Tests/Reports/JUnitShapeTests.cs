using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Npa.Resolver.Reports;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Reports;

/// <summary>
/// The JUnit XML of <c>npa test</c> validates against the constraints CI readers (Jenkins' junit-10 schema, Surefire)
/// put on it, restated here as a schema: a testsuites root holding testsuites; a testsuite needs name, tests, failures
/// and errors; a testcase needs a name; failure and error carry text with optional message and type; time is a
/// decimal number.
/// </summary>
public class JUnitShapeTests
{
    private const string CiReaderSchema = """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
          <xs:simpleType name="seconds">
            <xs:restriction base="xs:string"><xs:pattern value="[0-9]+(\.[0-9]+)?"/></xs:restriction>
          </xs:simpleType>
          <xs:complexType name="outcome" mixed="true">
            <xs:attribute name="message" type="xs:string"/>
            <xs:attribute name="type" type="xs:string"/>
          </xs:complexType>
          <xs:element name="testcase">
            <xs:complexType>
              <xs:choice minOccurs="0" maxOccurs="unbounded">
                <xs:element name="failure" type="outcome"/>
                <xs:element name="error" type="outcome"/>
                <xs:element name="skipped" type="outcome"/>
              </xs:choice>
              <xs:attribute name="name" type="xs:string" use="required"/>
              <xs:attribute name="classname" type="xs:string"/>
              <xs:attribute name="time" type="seconds"/>
            </xs:complexType>
          </xs:element>
          <xs:element name="testsuite">
            <xs:complexType>
              <xs:sequence><xs:element ref="testcase" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
              <xs:attribute name="name" type="xs:string" use="required"/>
              <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="errors" type="xs:nonNegativeInteger" use="required"/>
              <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
              <xs:attribute name="time" type="seconds"/>
            </xs:complexType>
          </xs:element>
          <xs:element name="testsuites">
            <xs:complexType>
              <xs:sequence><xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
              <xs:attribute name="name" type="xs:string"/>
              <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
              <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
              <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
              <xs:attribute name="time" type="seconds"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """;

    private static ResolvedCluster Cluster() => PolicyResolver.Resolve(new ClusterBuilder()
        .Pod("x/a", "pod=a", "10.0.0.1").Pod("x/b", "pod=b", "10.0.0.2")
        .Policy(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(80))))
        .Build());

    private static PolicyExpectation Expect(string name, bool allowed, string source) =>
        new(name, PodSelection.OnePod("x/a"), PodSelection.OnePod("x/b"), [PortSelection.Parse("TCP/80")], allowed, [], source);

    private static IReadOnlyList<string> Violations(string xml)
    {
        XmlSchemaSet schemas = new();
        schemas.Add(null, XmlReader.Create(new StringReader(CiReaderSchema)));
        List<string> violations = [];
        XDocument.Parse(xml).Validate(schemas, (_, e) => violations.Add(e.Message));
        return violations;
    }

    [Fact]
    public void PassedFailedAndInvalidInput_AllValidate()
    {
        PolicyTestReport report = PolicyTestReport.Evaluate(Cluster(), [],
            [Expect("a reaches b on 80", true, "ci/a.yaml:2"), Expect("a never reaches b", false, "ci/a.yaml:8"), Expect("<&\"odd\" name>", true, "ci/b.yaml:1")]);
        string xml = report.ToJUnit("npa test", ["error: NetworkPolicy x/bad: spec.podSelector: is required"]);

        Assert.Empty(Violations(xml));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", xml);
    }

    [Fact]
    public void TheSchemaRejectsATestsuiteWithoutCounts()
    {
        Assert.NotEmpty(Violations("<testsuites><testsuite name=\"n\"><testcase name=\"t\"/></testsuite></testsuites>"));
    }
}
