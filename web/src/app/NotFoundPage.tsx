import { Compass } from "lucide-react";
import { Link } from "react-router";
import { Card } from "../components/ui/Card";
import { EmptyState } from "../components/ui/EmptyState";

export function NotFoundPage() {
  return (
    <Card>
      <EmptyState
        icon={Compass}
        title="This page does not exist"
        description="It may not have been built yet, or the address is mistyped."
        action={
          <Link to="/" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            Back to the overview
          </Link>
        }
      />
    </Card>
  );
}
