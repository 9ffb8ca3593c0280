namespace Npa.Host.Tests.Lab;

public class StarsDemoTests
{
    [Fact]
    public void Readable_TurnsAFlowLogLineIntoASentence()
    {
        string line = """{"level":"info","Src IP":"10.90.0.13","Src Port":48202,"Dest IP":"10.90.0.11","Dest Port":80,"Proto":"TCP","Verdict":"DENY","Direction":"ingress","Src Namespace":"client","Src Pod":"client","Dest Namespace":"stars","Dest Pod":"backend","Count":3}""";

        Assert.Equal("DENY TCP client/client (10.90.0.13:48202) -> stars/backend (10.90.0.11:80) ingress x3", Npa.Host.Lab.StarsDemo.Readable(line));
        Assert.Equal("not json", Npa.Host.Lab.StarsDemo.Readable("not json"));
    }
}
